/**
 * A job-runner process that runs only the release's jobs — the auto-release and the
 * disbursement it enqueues — for the kill -9 test of app/lending/release-crash.test.ts: the real
 * JobRunner and handlers, on the database and lender the environment names (DATABASE_URL,
 * LENDER_MOCK_URL…). Prints "ready" once running.
 * Usage: node --import tsx scripts/testing/release-worker.ts <worker id>
 */
import { getDatabase } from "~/app/db.server";
import { JobRegistry } from "~/jobs/registry";
import { JobRunner } from "~/jobs/runner.server";
import { handleAutoRelease } from "~/jobs/handlers/auto-release";
import { autoReleaseJob } from "~/jobs/handlers/auto-release.definition";
import { handleRequestDisbursement } from "~/jobs/handlers/request-disbursement";
import { requestDisbursementJob } from "~/jobs/handlers/request-disbursement.definition";

const workerId = process.argv[2] ?? "release-worker";
const runner = new JobRunner({
  database: await getDatabase(),
  registry: new JobRegistry()
    .handle(autoReleaseJob, handleAutoRelease)
    .handle(requestDisbursementJob, handleRequestDisbursement),
  workerId,
  pollIntervalMs: 25,
  metrics: false,
}).start();
process.stdout.write("ready\n");
process.once("SIGTERM", () => void runner.stop({ graceMs: 1000 }).then(() => process.exit(0)));
