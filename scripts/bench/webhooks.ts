/**
 * `npm run bench:webhooks [-- --apps N] [--concurrency N] [--port P] [--samples N] [--json]`
 * measures outbound webhooks (ADR 063) end to end on an embedded database file, with the real
 * trigger fan-out, JobRunner, deliver-webhook handler (signing, SSRF guard, delivery log) and a
 * local receiver on 127.0.0.1 that verifies every signature and answers 500 to 1 % of requests:
 *
 * 1. Throughput: N applications × 5 status changes (100 changes per write transaction), one
 *    event each, delivered to one endpoint: deliveries/s until every event was accepted once
 *    (failed ones retried on the outbox's backoff, the first after ~2.7 s).
 * 2. Delay, idle: one change at a time through the real domain functions (offer financing opens
 *    an application: `application.created`; the CRM's cancel: `application.canceled`), from the
 *    change (the event's created_at, written by the trigger inside the transaction) to the
 *    receiver having the POST. Target: p95 < 1 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import pino from "pino";
import type { CrmCaller } from "~/app/crm/guard.server";
import { latencySummary } from "./stats";

const { values } = parseArgs({
  options: {
    apps: { type: "string", default: "200" },
    concurrency: { type: "string", default: "10" },
    port: { type: "string", default: "4001" },
    samples: { type: "string", default: "40" },
    json: { type: "boolean", default: false },
  },
});
const appCount = Number(values.apps);
const concurrency = Number(values.concurrency);
const samples = Number(values.samples);
const failureRate = 0.01;
const statuses = ["submitted", "approved", "offer_accepted", "pending_funding", "funded"];

const dir = mkdtempSync(join(tmpdir(), "flowpay-bench-webhooks-"));
Object.assign(process.env, {
  FLOWPAY_ENV: "test",
  DATA_DIR: dir,
  DATABASE_URL: `file:${join(dir, "flowpay.db")}`,
  LOG_LEVEL: "silent",
  WEBHOOKS_ALLOW_LOOPBACK_HTTP: "1",
  APP_URL: "http://127.0.0.1:3000",
});

// Imported after the environment is set: configuration is read once, on first use.
const { getDatabase } = await import("~/app/db.server");
const { migrateDatabase } = await import("~/db/migrate");
const { newId } = await import("~/db/ids");
const { merchants } = await import("~/db/schema/index");
const { offerFinancing } = await import("~/app/crm/offer-financing.server");
const { cancelApplication } = await import("~/app/crm/lifecycle.server");
const { createWebhookEndpoint } = await import("~/app/webhooks/endpoints.server");
const { JobRegistry } = await import("~/jobs/registry");
const { JobRunner } = await import("~/jobs/runner.server");
const { handleDeliverWebhook } = await import("~/jobs/handlers/deliver-webhook");
const { deliverWebhookJob } = await import("~/jobs/handlers/deliver-webhook.definition");
const { startWebhookReceiver } = await import("~/scripts/testing/webhook-receiver");

const summary = (samplesMs: number[]) => latencySummary(samplesMs, 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

const receiver = await startWebhookReceiver({
  port: Number(values.port),
  answer: () => (Math.random() < failureRate ? 500 : 200),
});
const database = await getDatabase();
await migrateDatabase(database);
const runner = new JobRunner({
  database,
  registry: new JobRegistry().handle(deliverWebhookJob, handleDeliverWebhook),
  concurrency,
  metrics: false,
  logger: pino({ level: "silent" }),
});

try {
  const merchantId = newId("mer");
  await database.write((tx) =>
    tx.insert(merchants).values({ id: merchantId, name: "Bench Pest", slug: "bench-pest" }),
  );
  const merchant = (await database.db.query.merchants.findFirst({
    where: (m, { eq }) => eq(m.id, merchantId),
  }))!;
  const caller = {
    merchant,
    keyId: "bench",
    mode: "test",
    ip: null,
    userAgent: null,
    rateHeaders: {},
  } as unknown as CrmCaller;
  let job = 0;
  const open = async (sendSms: boolean) => {
    job += 1;
    const result = await offerFinancing(
      database,
      caller,
      {
        crm: "fieldroutes",
        crm_customer_id: `85${job}`,
        customer: { first_name: "Jo", last_name: "Doe", phone: "+15125550123" },
        job: { crm_job_id: `86${job}`, description: "Termites", estimate_cents: 750000 },
        send_sms: sendSms,
      } as Parameters<typeof offerFinancing>[2],
      null,
    );
    return result.applicationId!;
  };

  // 1. Throughput. The applications exist before the endpoint: only the status changes count.
  const ids: string[] = [];
  for (let i = 0; i < appCount; i++) ids.push(await open(false));
  const endpoint = await createWebhookEndpoint(
    database,
    merchantId,
    { url: receiver.url, events: ["*"] },
    { actorType: "system" },
  );
  if (!endpoint.ok) throw new Error(endpoint.message);
  receiver.setSecret(endpoint.endpoint.secret);
  runner.start();
  const events = ids.length * statuses.length;
  const started = performance.now();
  for (const status of statuses) {
    for (let at = 0; at < ids.length; at += 100) {
      const batch = ids.slice(at, at + 100);
      await database.write(async (tx) => {
        for (const id of batch) {
          await tx.run(sql`UPDATE applications SET status = ${status} WHERE id = ${id}`);
        }
      });
    }
  }
  await until(() => receiver.all.length >= events, 120_000, "every first attempt");
  const firstPassMs = performance.now() - started;
  await until(() => receiver.unique.size >= events, 120_000, "every event accepted");
  const allMs = performance.now() - started;
  const requests = receiver.all.length;
  const retried = requests - receiver.unique.size;

  // 2. Delay from the change to the receiver, one change at a time on an idle runner.
  await sleep(1500);
  const delays: number[] = [];
  const received = () => receiver.unique.size;
  for (let i = 0; i < samples; i++) {
    const before = received();
    const id = await open(true);
    await until(() => received() > before, 30_000, "application.created");
    const created = [...receiver.unique.values()].at(-1)!;
    delays.push(created.receivedAt - created.createdAt);
    await sleep(50 + Math.random() * 100);
    const beforeCancel = received();
    await cancelApplication(database, caller, id);
    await until(() => received() > beforeCancel, 30_000, "application.canceled");
    const canceled = [...receiver.unique.values()].at(-1)!;
    delays.push(canceled.receivedAt - canceled.createdAt);
    await sleep(50 + Math.random() * 100);
  }

  const result = {
    events,
    concurrency,
    failureRate,
    requests,
    retried,
    deliveriesPerSecond: Math.round((events / allMs) * 1000),
    firstPassDeliveriesPerSecond: Math.round((events / firstPassMs) * 1000),
    allDeliveredMs: Math.round(allMs),
    idleDelayMs: summary(delays),
    targetIdleDelayP95Ms: 1000,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const d = result.idleDelayMs;
    console.log(
      [
        `Outbound webhooks — ${events} events to a local receiver (1 % answered 500), runner concurrency ${concurrency}`,
        `first attempts: ${result.firstPassDeliveriesPerSecond} deliveries/s; all accepted (retries after ~2.7 s included): ${result.deliveriesPerSecond}/s in ${result.allDeliveredMs} ms (${retried} retried)`,
        `change → delivered, idle: p50 ${d.p50} ms, p95 ${d.p95} ms, p99 ${d.p99} ms, max ${d.max} ms (${d.samples} samples; target p95 < 1 s)`,
      ].join("\n"),
    );
  }
} finally {
  await runner.stop({ graceMs: 1000 });
  await receiver.close();
  database.close();
  rmSync(dir, { recursive: true, force: true });
}
