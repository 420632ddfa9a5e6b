/**
 * A job-runner process that runs only the request-refund job (the kill -9 test of
 * app/lending/refund-crash.test.ts): the real JobRunner and handler, on the database and lender
 * the environment names (DATABASE_URL, LENDER_MOCK_URL…). Prints "ready" once running.
 * Usage: node --import tsx scripts/testing/refund-worker.ts <worker id>
 */
import { getDatabase } from "~/app/db.server";
import { JobRegistry } from "~/jobs/registry";
import { JobRunner } from "~/jobs/runner.server";
import { handleRequestRefund } from "~/jobs/handlers/request-refund";
import { requestRefundJob } from "~/jobs/handlers/request-refund.definition";

const workerId = process.argv[2] ?? "refund-worker";
const runner = new JobRunner({
  database: await getDatabase(),
  registry: new JobRegistry().handle(requestRefundJob, handleRequestRefund),
  workerId,
  pollIntervalMs: 25,
  metrics: false,
}).start();
process.stdout.write("ready\n");
process.once("SIGTERM", () => void runner.stop({ graceMs: 1000 }).then(() => process.exit(0)));
