/**
 * A job-runner process that delivers outbound webhooks (the real JobRunner and deliver-webhook
 * handler) on a shared database file, for the kill -9 test (app/webhooks/crash.test.ts).
 * Usage: node --import tsx scripts/testing/webhook-worker.ts <worker id> <lease ms>, with
 * DATABASE_URL, DATA_DIR and WEBHOOKS_ALLOW_LOOPBACK_HTTP in the environment. Prints "ready".
 * Worker id "auto": the runner's default (host:pid:start:random), which lets the next process
 * reclaim this one's jobs at once after a kill -9 (ADR 071).
 */
import { getDatabase } from "~/app/db.server";
import { JobRegistry } from "~/jobs/registry";
import { JobRunner } from "~/jobs/runner.server";
import { handleDeliverWebhook } from "~/jobs/handlers/deliver-webhook";
import { deliverWebhookJob } from "~/jobs/handlers/deliver-webhook.definition";

const [workerId = "webhooks", leaseMs = "16100"] = process.argv.slice(2);
const database = await getDatabase();
const runner = new JobRunner({
  database,
  registry: new JobRegistry().handle(deliverWebhookJob, handleDeliverWebhook),
  workerId: workerId === "auto" ? undefined : workerId,
  leaseMs: Number(leaseMs),
  pollIntervalMs: 25,
  sweepIntervalMs: 200,
  metrics: false,
}).start();
process.stdout.write("ready\n");
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void runner.stop({ graceMs: 2000 }).then(() => process.exit(0));
  });
}
