/**
 * A job-runner process for the multi-process tests: the real JobRunner on a shared database file.
 * Usage: node --import tsx jobs/testing/worker.ts <database file> <worker id> [concurrency]
 *          [lease ms] [synchronous]
 * Prints "ready" once running; SIGTERM/SIGINT stop it gracefully.
 *
 * `synchronous` NORMAL (instead of libSQL's FULL) is for tests that run several writer processes:
 * with an fsync inside every commit, SQLite's busy-wait makes processes starve each other
 * (ADR 012). It only weakens durability against an OS crash, never against a killed process:
 * a WAL commit is in the operating system's hands before it returns. It is set on one pooled
 * connection, the one the client hands back first for sequential writes: a speed-up for the
 * test, relied on for nothing.
 */
import { openDatabase } from "~/db/client";
import { JobRegistry } from "~/jobs/registry";
import { JobRunner } from "~/jobs/runner.server";
import { effectHandler, effectJob } from "./effect-job";

const [file, workerId, concurrency = "10", leaseMs = "3000", synchronous = "FULL"] =
  process.argv.slice(2);
if (!file || !workerId) {
  console.error("usage: worker.ts <database file> <worker id> [concurrency] [lease ms]");
  process.exit(2);
}
const database = await openDatabase({ url: `file:${file}` });
if (synchronous === "NORMAL") await database.client.execute("PRAGMA synchronous=NORMAL");
const runner = new JobRunner({
  database,
  registry: new JobRegistry().handle(effectJob, effectHandler(workerId)),
  workerId,
  concurrency: Number(concurrency),
  leaseMs: Number(leaseMs),
  pollIntervalMs: 25,
  sweepIntervalMs: 200,
  metrics: false,
}).start();
process.stdout.write("ready\n");
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void runner.stop({ graceMs: 2000 }).then(() => {
      database.close();
      process.exit(0);
    });
  });
}
