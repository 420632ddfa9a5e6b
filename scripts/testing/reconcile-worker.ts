/**
 * A job-runner process with every job kind of the app (the kill -9 test of
 * app/lending/reconciliation-crash.test.ts): the real JobRunner and handlers on the database and
 * lender the environment names (DATABASE_URL, LENDER_MOCK_URL…). Prints "ready" once running.
 * Usage: node --import tsx scripts/testing/reconcile-worker.ts <worker id>
 */
import { getDatabase } from "~/app/db.server";
import { createAppJobRegistry } from "~/jobs/handlers/index";
import { JobRunner } from "~/jobs/runner.server";

const runner = new JobRunner({
  database: await getDatabase(),
  registry: createAppJobRegistry(),
  workerId: process.argv[2] ?? "reconcile-worker",
  pollIntervalMs: 25,
  metrics: false,
}).start();
process.stdout.write("ready\n");
process.once("SIGTERM", () => void runner.stop({ graceMs: 1000 }).then(() => process.exit(0)));
