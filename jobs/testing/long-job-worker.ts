/**
 * A runner process with the default worker id (host:pid:start:random, ADR 071) running the long
 * test job, for jobs/restart-reclaim.test.ts. Usage:
 * node --import tsx jobs/testing/long-job-worker.ts <database file>. Prints "ready <worker id>".
 */
import { openDatabase } from "~/db/client";
import { JobRegistry } from "~/jobs/registry";
import { JobRunner } from "~/jobs/runner.server";
import { longJob, longJobHandler, longJobLeaseMs } from "./long-job";

const [file] = process.argv.slice(2);
if (!file) {
  console.error("usage: long-job-worker.ts <database file>");
  process.exit(2);
}
const database = await openDatabase({ url: `file:${file}` });
const runner = new JobRunner({
  database,
  registry: new JobRegistry().handle(longJob, longJobHandler),
  leaseMs: longJobLeaseMs,
  pollIntervalMs: 25,
  metrics: false,
}).start();
process.stdout.write(`ready ${runner.workerId}\n`);
process.once("SIGTERM", () => {
  void runner.stop({ graceMs: 500 }).then(() => {
    database.close();
    process.exit(0);
  });
});
