import { appDatabase, callRoute, createMerchant, jsonHeaders } from "~/scripts/testing/app-harness";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { merchantEvents, webhookDeliveries } from "~/db/schema/index";
import { waitFor } from "~/jobs/testing/helpers";
import * as offerRoute from "~/app/routes/api.v1.crm.offer-financing";
import * as cancelRoute from "~/app/routes/api.v1.crm.applications.$applicationId.cancel";
import { startWebhookReceiver } from "~/scripts/testing/webhook-receiver";
import { createWebhookEndpoint } from "./endpoints.server";

/**
 * kill -9 of the process delivering webhooks, mid-delivery (issue 16, "Done when"): every event
 * still arrives, signed, with its one event id. Delivery is at least once — the POST in flight
 * when the process died is sent again by the next process, with the same id and body — so the
 * receiver dedupes by FlowPay-Event-Id (as docs/product/merchants-and-money.md lets it) and
 * processes each event exactly once. The workers keep the runner's default worker ids and a lease
 * of 10 minutes: the restarted worker reclaims its dead predecessor's jobs at its first sweep
 * (ADR 071), so the redelivery comes promptly after the restart, never after the lease.
 */
process.env.WEBHOOKS_ALLOW_LOOPBACK_HTTP = "1";
const root = join(import.meta.dirname, "../..");
const children: ChildProcess[] = [];

const leaseMs = 10 * 60_000;

function startWorker(id: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/testing/webhook-worker.ts", "auto", String(leaseMs)],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env } },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker ${id} exited with ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
  });
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

describe("webhook delivery survives kill -9 mid-delivery", () => {
  it("delivers every event, each id processed once by a deduping receiver, the in-flight one re-sent with the same id", async () => {
    const receiver = await startWebhookReceiver({ delayMs: 300 });
    const merchant = await createMerchant();
    const database = await appDatabase();
    const created = await createWebhookEndpoint(
      database,
      merchant.id,
      { url: receiver.url, events: ["*"] },
      { actorType: "system" },
    );
    if (!created.ok) throw new Error(created.message);
    receiver.setSecret(created.endpoint.secret);

    const first = await startWorker("first");
    const ids: string[] = [];
    for (let n = 1; n <= 6; n++) {
      const response = await callRoute(offerRoute, {
        method: "POST",
        path: "/api/v1/crm/offer-financing",
        headers: jsonHeaders(merchant.key),
        body: JSON.stringify({
          crm: "fieldroutes",
          crm_customer_id: `K-${n}`,
          customer: { first_name: "Jo", last_name: "Doe", phone: "+15125550123" },
          job: { crm_job_id: `KJ-${n}`, description: "Termites", estimate_cents: 750000 },
          send_sms: false,
        }),
      });
      ids.push(((await response.json()) as { application_id: string }).application_id);
    }
    for (const id of ids.slice(0, 3)) {
      const canceled = await callRoute(cancelRoute, {
        method: "POST",
        path: `/api/v1/crm/applications/${id}/cancel`,
        params: { applicationId: id },
        headers: jsonHeaders(merchant.key),
      });
      expect(canceled.status).toBe(200);
    }
    // The first POST has reached the receiver, which holds its answer: kill the worker now.
    await waitFor(() => receiver.all.length > 0, { what: "a delivery in flight" });
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));
    const inFlight = receiver.all[0]!.id;

    // Still leased to the dead worker, for minutes…
    const leased = await database.client.execute(
      "SELECT count(*) AS n FROM outbox WHERE kind = 'deliver-webhook' AND state = 'running'",
    );
    expect(Number(leased.rows[0]!.n)).toBeGreaterThan(0);
    // …until the next worker starts: well within the lease (the wait below is 1/10 of it).
    await startWorker("second");
    const events = await database.db
      .select({ id: merchantEvents.id })
      .from(merchantEvents)
      .where(eq(merchantEvents.merchantId, merchant.id))
      .all();
    expect(events).toHaveLength(9); // 6 created, 3 canceled
    await waitFor(
      async () => {
        const rows = await database.db
          .select({ state: webhookDeliveries.state })
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.merchantId, merchant.id))
          .all();
        return rows.length === 9 && rows.every((r) => r.state === "delivered");
      },
      { timeoutMs: 60_000, intervalMs: 100, what: "every delivery recorded as delivered" },
    );

    expect([...receiver.unique.keys()].sort()).toEqual(events.map((e) => e.id).sort());
    expect(receiver.all.every((r) => r.verified && r.headerId === r.id)).toBe(true);
    // The POST in flight at the kill came again, the same event with the same body.
    const copies = receiver.all.filter((r) => r.id === inFlight);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(copies.map((c) => c.body)).size).toBe(1);
    await receiver.close();
  }, 90_000);
});
