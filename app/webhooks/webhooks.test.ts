import { appDatabase, callRoute, createMerchant, jsonHeaders } from "~/scripts/testing/app-harness";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import {
  applicationStatuses,
  merchantEvents,
  merchantMemberships,
  merchantUsers,
  messages,
  outbox,
  webhookDeliveries,
  webhookEndpoints,
} from "~/db/schema/index";
import { isPermanentError } from "~/jobs/errors";
import { deliverWebhookJob } from "~/jobs/handlers/deliver-webhook.definition";
import * as offerRoute from "~/app/routes/api.v1.crm.offer-financing";
import * as getRoute from "~/app/routes/api.v1.crm.applications.$applicationId";
import { startWebhookReceiver } from "~/scripts/testing/webhook-receiver";
import { deliverWebhook, retryWindowMs } from "./deliver.server";
import { emitMerchantEvent } from "./emit.server";
import {
  createWebhookEndpoint,
  enableWebhookEndpoint,
  listWebhookDeliveries,
  resendDelivery,
} from "./endpoints.server";
import { eventOfStatus } from "./events";
import type { Resolver } from "./url-guard.server";

const local = { policy: { allowLoopbackHttp: true } };
const system = { actorType: "system" as const };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let answer = 200;
beforeAll(async () => {
  receiver = await startWebhookReceiver({ answer: () => answer });
});
afterAll(() => receiver.close());

let jobCounter = 0;
async function openApplication(key: string) {
  jobCounter += 1;
  const response = await callRoute(offerRoute, {
    method: "POST",
    path: "/api/v1/crm/offer-financing",
    headers: jsonHeaders(key),
    body: JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: `C-${jobCounter}`,
      customer: { first_name: "Jo", last_name: "Doe", phone: "+15125550123" },
      job: { crm_job_id: `J-${jobCounter}`, description: "Termites", estimate_cents: 750000 },
      send_sms: false,
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as Json).application_id as string;
}

async function setStatus(applicationId: string, status: string) {
  const database = await appDatabase();
  await database.write((tx) =>
    tx.run(sql`UPDATE applications SET status = ${status} WHERE id = ${applicationId}`),
  );
}

async function endpointFor(merchantId: string, events: string[], url = receiver.url) {
  const database = await appDatabase();
  const created = await createWebhookEndpoint(database, merchantId, { url, events }, system, local);
  if (!created.ok) throw new Error(created.message);
  return created.endpoint;
}

async function deliveriesOf(applicationId: string) {
  const database = await appDatabase();
  return database.db
    .select({ id: webhookDeliveries.id, type: merchantEvents.type, eventId: merchantEvents.id })
    .from(webhookDeliveries)
    .innerJoin(merchantEvents, eq(merchantEvents.id, webhookDeliveries.eventId))
    .where(eq(merchantEvents.applicationId, applicationId))
    .orderBy(merchantEvents.createdAt, merchantEvents.id)
    .all();
}

describe("events are written with the change they report", () => {
  it("a new application and each status change: one delivery and one outbox job per subscribed endpoint", async () => {
    const merchant = await createMerchant();
    const all = await endpointFor(merchant.id, ["*"]);
    const fundedOnly = await endpointFor(merchant.id, ["loan.funded"]);
    const database = await appDatabase();
    const id = await openApplication(merchant.key);
    await setStatus(id, "submitted");
    await setStatus(id, "approved");
    const rows = await deliveriesOf(id);
    expect(rows.map((r) => r.type)).toEqual([
      "application.created",
      "application.submitted",
      "application.approved",
    ]);
    const jobs = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.kind, deliverWebhookJob.kind))
      .all();
    for (const row of rows) {
      const job = jobs.find((j) => JSON.parse(j.payload).deliveryId === row.id);
      // The trigger's job is the definition's job.
      expect(job).toMatchObject({
        priority: deliverWebhookJob.priority,
        maxAttempts: deliverWebhookJob.maxAttempts,
        state: "pending",
      });
    }
    const byEndpoint = await database.db
      .select({ endpointId: webhookDeliveries.endpointId })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.merchantId, merchant.id))
      .all();
    expect(byEndpoint.every((d) => d.endpointId === all.id)).toBe(true);
    await setStatus(id, "funded");
    const funded = await database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, fundedOnly.id))
      .all();
    expect(funded).toHaveLength(1);
  });

  it("a change that rolls back leaves no event and no job", async () => {
    const merchant = await createMerchant();
    await endpointFor(merchant.id, ["application.*"]);
    const id = await openApplication(merchant.key);
    const database = await appDatabase();
    await expect(
      database.write(async (tx) => {
        await tx.run(sql`UPDATE applications SET status = 'declined' WHERE id = ${id}`);
        throw new Error("the decision failed after the update");
      }),
    ).rejects.toThrow(/decision failed/);
    expect((await deliveriesOf(id)).map((r) => r.type)).toEqual(["application.created"]);
  });

  it("maps every stored status as app/webhooks/events.ts says (the trigger and the code agree)", async () => {
    const merchant = await createMerchant();
    await endpointFor(merchant.id, ["*"]);
    const id = await openApplication(merchant.key);
    for (const status of applicationStatuses) {
      const before = (await deliveriesOf(id)).length;
      await setStatus(id, status);
      const after = await deliveriesOf(id);
      const expected = status === "link_sent" ? undefined : eventOfStatus[status];
      expect(
        after.slice(before).map((r) => r.type),
        status,
      ).toEqual(expected ? [expected] : []);
    }
  });

  it("writes nothing for a merchant without an endpoint, nor for a deleted one", async () => {
    const merchant = await createMerchant();
    const id = await openApplication(merchant.key);
    await setStatus(id, "submitted");
    const database = await appDatabase();
    const events = await database.db
      .select()
      .from(merchantEvents)
      .where(eq(merchantEvents.merchantId, merchant.id))
      .all();
    expect(events).toHaveLength(0);
  });

  it("emitMerchantEvent: in the caller's transaction, with the given data", async () => {
    const merchant = await createMerchant();
    const endpoint = await endpointFor(merchant.id, [
      "prequalification.completed",
      "loan.refunded",
    ]);
    const database = await appDatabase();
    await database.write((tx) =>
      emitMerchantEvent(tx, {
        merchantId: merchant.id,
        type: "prequalification.completed",
        applicationId: null,
        data: { prequalification: { prequalification_id: "pq_1", status: "prequalified" } },
      }),
    );
    await expect(
      database.write(async (tx) => {
        await emitMerchantEvent(tx, {
          merchantId: merchant.id,
          type: "loan.refunded",
          applicationId: null,
        });
        throw new Error("refund failed");
      }),
    ).rejects.toThrow();
    const events = await database.db
      .select()
      .from(merchantEvents)
      .where(eq(merchantEvents.merchantId, merchant.id))
      .all();
    expect(events.map((e) => e.type)).toEqual(["prequalification.completed"]);
    const [delivery] = await database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.eventId, events[0]!.id))
      .all();
    receiver.setSecret(endpoint.secret);
    await deliverWebhook(database, delivery!.id, local);
    const got = receiver.all.at(-1)!;
    expect(got.verified).toBe(true);
    expect(JSON.parse(got.body).data).toEqual({
      prequalification: { prequalification_id: "pq_1", status: "prequalified" },
    });
  });
});

describe("delivery", () => {
  it("POSTs the signed event with the application's API resource; a receiver verifies it", async () => {
    const merchant = await createMerchant();
    const endpoint = await endpointFor(merchant.id, ["application.*"]);
    expect(endpoint.secret).toMatch(/^whsec_[\w-]{43}$/);
    const database = await appDatabase();
    // Stored encrypted: the secret is nowhere in the row in clear.
    const stored = await database.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, endpoint.id))
      .get();
    expect(JSON.stringify(stored)).not.toContain(endpoint.secret.slice(6));
    receiver.setSecret(endpoint.secret);
    const id = await openApplication(merchant.key);
    const [created] = await deliveriesOf(id);
    answer = 200;
    expect(await deliverWebhook(database, created!.id, local)).toBe("delivered");
    const got = receiver.all.at(-1)!;
    expect(got.verified).toBe(true);
    expect(got.headerId).toBe(created!.eventId);
    const body = JSON.parse(got.body) as Json;
    expect(body).toMatchObject({ id: created!.eventId, type: "application.created" });
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const view = await callRoute(getRoute, {
      path: `/api/v1/crm/applications/${id}`,
      params: { applicationId: id },
      headers: jsonHeaders(merchant.key),
    });
    expect(body.data.application).toEqual(await view.json());
    const [log] = await listWebhookDeliveries(database, merchant.id);
    expect(log).toMatchObject({ state: "delivered", attempts: 1, lastStatusCode: 200 });
  });

  it("retries a failure with the same event id and body, then a success clears the endpoint's failing state", async () => {
    const merchant = await createMerchant();
    const endpoint = await endpointFor(merchant.id, ["application.created"]);
    receiver.setSecret(endpoint.secret);
    const database = await appDatabase();
    const id = await openApplication(merchant.key);
    const [delivery] = await deliveriesOf(id);
    answer = 500;
    const failure = await deliverWebhook(database, delivery!.id, local).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(isPermanentError(failure)).toBe(false); // the outbox retries it with backoff
    let row = await database.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, endpoint.id))
      .get();
    expect(row!.failingSince).not.toBeNull();
    answer = 200;
    expect(await deliverWebhook(database, delivery!.id, local)).toBe("delivered");
    const sent = receiver.all.filter((e) => e.id === delivery!.eventId);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.body).toBe(sent[1]!.body);
    expect(receiver.unique.get(delivery!.eventId)).toBeDefined();
    row = await database.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, endpoint.id))
      .get();
    expect(row!.failingSince).toBeNull();
    const [log] = await listWebhookDeliveries(database, merchant.id);
    expect(log).toMatchObject({ state: "delivered", attempts: 2 });
  });

  it("after 3 days: the delivery is dead-lettered, the endpoint disabled and its owner e-mailed; resend works once it is enabled", async () => {
    const merchant = await createMerchant();
    const database = await appDatabase();
    const userId = newId("mu");
    await database.write(async (tx) => {
      await tx.insert(merchantUsers).values({ id: userId, email: "owner@example.com" });
      await tx
        .insert(merchantMemberships)
        .values({ id: newId("mm"), merchantId: merchant.id, userId, role: "owner" });
    });
    const endpoint = await endpointFor(merchant.id, ["application.created"]);
    receiver.setSecret(endpoint.secret);
    const id = await openApplication(merchant.key);
    const [delivery] = await deliveriesOf(id);
    answer = 503;
    await expect(deliverWebhook(database, delivery!.id, local)).rejects.toThrow(/HTTP 503/);
    const later = Date.now() + retryWindowMs + 1000;
    const last = await deliverWebhook(database, delivery!.id, {
      ...local,
      clock: () => later,
    }).catch((e: Error) => e);
    expect(isPermanentError(last)).toBe(true); // the outbox dead-letters it
    const [log] = await listWebhookDeliveries(database, merchant.id);
    expect(log).toMatchObject({
      state: "dead",
      deadLetter: true,
      attempts: 2,
      lastStatusCode: 503,
    });
    const row = await database.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, endpoint.id))
      .get();
    expect(row!.disabledAt).not.toBeNull();
    const mail = await database.db
      .select()
      .from(messages)
      .where(and(eq(messages.merchantId, merchant.id), eq(messages.recipient, "owner@example.com")))
      .all();
    expect(mail.map((m) => m.template)).toEqual(["webhook_endpoint_disabled"]);

    // A disabled endpoint gets no new events, and a resend must wait for it to be enabled.
    await setStatus(id, "canceled");
    expect(await deliveriesOf(id)).toHaveLength(1);
    expect(await resendDelivery(database, merchant.id, delivery!.id)).toEqual({
      ok: false,
      reason: "endpoint_disabled",
    });
    const other = await createMerchant();
    expect(await resendDelivery(database, other.id, delivery!.id)).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await enableWebhookEndpoint(database, merchant.id, endpoint.id, system)).toBe(true);
    expect(await resendDelivery(database, merchant.id, delivery!.id)).toEqual({ ok: true });
    const jobs = await database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.kind, "deliver-webhook"), eq(outbox.state, "pending")))
      .all();
    expect(jobs.some((j) => JSON.parse(j.payload).deliveryId === delivery!.id)).toBe(true);
    answer = 200;
    expect(await deliverWebhook(database, delivery!.id, local)).toBe("delivered");
    const sent = receiver.all.filter((e) => e.id === delivery!.eventId);
    // Every attempt carries the same event id; the resend's signature is fresh and valid.
    expect(sent.every((e) => e.headerId === delivery!.eventId)).toBe(true);
    expect(sent.at(-1)!.verified).toBe(true);
  });

  it("re-checks the address at delivery: a name that now resolves to the metadata address is refused (DNS rebinding)", async () => {
    const merchant = await createMerchant();
    const database = await appDatabase();
    const production = { allowLoopbackHttp: false };
    const publicAnswer: Resolver = async () => [{ address: "93.184.216.34", family: 4 }];
    const rebound: Resolver = async () => [{ address: "169.254.169.254", family: 4 }];
    const created = await createWebhookEndpoint(
      database,
      merchant.id,
      { url: "https://hooks.example.com/flowpay", events: ["*"] },
      system,
      { policy: production, resolver: publicAnswer },
    );
    expect(created.ok).toBe(true);
    const id = await openApplication(merchant.key);
    const [delivery] = await deliveriesOf(id);
    await expect(
      deliverWebhook(database, delivery!.id, { policy: production, resolver: rebound }),
    ).rejects.toThrow(/link-local address, which is not allowed/);
    const [log] = await listWebhookDeliveries(database, merchant.id);
    expect(log).toMatchObject({ state: "retrying", lastStatusCode: null });
    expect(log!.lastError).toMatch(/^refused: url resolves to a link-local address/);
  });

  it("a 200 whose body does not finish in time, or no answer at all, is not delivered", async () => {
    const { createServer } = await import("node:http");
    const stalls = createServer((req, res) => {
      req.resume();
      if (req.url === "/half") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.write("partial"); // …and never ends
      }
    });
    await new Promise<void>((resolve) => stalls.listen(0, "127.0.0.1", resolve));
    const port = (stalls.address() as { port: number }).port;
    const database = await appDatabase();
    for (const path of ["/half", "/silent"]) {
      const merchant = await createMerchant();
      await endpointFor(merchant.id, ["application.created"], `http://127.0.0.1:${port}${path}`);
      const [delivery] = await deliveriesOf(await openApplication(merchant.key));
      const failure = await deliverWebhook(database, delivery!.id, {
        ...local,
        timeoutMs: 300,
      }).catch((e: Error) => e);
      expect(failure).toBeInstanceOf(Error);
      expect(isPermanentError(failure)).toBe(false);
      const [log] = await listWebhookDeliveries(database, merchant.id);
      expect(log!.state).toBe("retrying");
      expect(log!.lastError).toMatch(/within 0.3 s/);
    }
    stalls.closeAllConnections();
    stalls.close();
  });

  it("refuses to create an endpoint whose URL is not allowed", async () => {
    const merchant = await createMerchant();
    const database = await appDatabase();
    const refused = await createWebhookEndpoint(
      database,
      merchant.id,
      { url: "http://127.0.0.1:4001/hooks", events: ["*"] },
      system,
      { policy: { allowLoopbackHttp: false } },
    );
    expect(refused).toMatchObject({ ok: false, field: "url" });
  });
});
