/**
 * Texts end to end against a local fake Twilio (Basic auth checked, signed status callbacks):
 * the live adapter is exercised, not bypassed. Our webhook routes are served on a local HTTP
 * server whose URL is APP_URL, so the signatures Twilio computes are over our public URL.
 */
import { createServer } from "node:http";
import { startFakeTwilio } from "~/adapters/twilio/fake-server";

const accountSid = `AC${"1".repeat(32)}`;
const authToken = "fake-twilio-auth-token-0123456789";
const fake = await startFakeTwilio({ accountSid, authToken });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route module
type Route = { action?: (args: any) => unknown };
const routes = new Map<string, () => Promise<Route>>([
  ["/api/v1/webhooks/twilio/status", () => import("~/app/routes/api.v1.webhooks.twilio.status")],
  ["/api/v1/webhooks/twilio/inbound", () => import("~/app/routes/api.v1.webhooks.twilio.inbound")],
]);
const appServer = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", async () => {
    const load = routes.get((req.url ?? "").split("?")[0]!);
    if (!load) return res.writeHead(404).end();
    const request = new Request(`${process.env.APP_URL}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body,
    });
    const response = (await (
      await load()
    ).action!({ request, params: {}, context: {} })) as Response;
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(await response.text());
  });
});
await new Promise<void>((r) => appServer.listen(0, "127.0.0.1", r));
process.env.APP_URL = `http://127.0.0.1:${(appServer.address() as { port: number }).port}`;
process.env.TWILIO_ACCOUNT_SID = accountSid;
process.env.TWILIO_AUTH_TOKEN = authToken;
process.env.TWILIO_FROM = "+15125550100";
process.env.TWILIO_API_BASE_URL = fake.url;

const { appDatabase, callRoute, createMerchant, jsonHeaders } =
  await import("~/scripts/testing/app-harness");
const offerRoute = await import("~/app/routes/api.v1.crm.offer-financing");
const getRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId");
const inboundRoute = await import("~/app/routes/api.v1.webhooks.twilio.inbound");
const { deliverSms } = await import("./sms.server");
const { getSmsAdapter, statusCallbackUrl } = await import("./sms-adapter.server");
const { twilioSignature } = await import("~/adapters/twilio/fake-server");

import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { messages } from "~/db/schema/index";

afterAll(async () => {
  await fake.close();
  appServer.close();
});

const merchant = await createMerchant({ name: "Acme Pest Control" });

async function offerTo(phone: string, n: string) {
  const response = await callRoute(offerRoute, {
    method: "POST",
    path: "/api/v1/crm/offer-financing",
    headers: jsonHeaders(merchant.key),
    body: JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: `FR-${n}`,
      customer: { first_name: "Jane", last_name: "Roe", phone },
      job: { crm_job_id: `J-${n}`, estimate_cents: 125000 },
    }),
  });
  const json = (await response.json()) as { application_id: string; apply_url: string };
  const database = await appDatabase();
  const message = await database.db
    .select()
    .from(messages)
    .where(eq(messages.applicationId, json.application_id))
    .get();
  return { ...json, messageId: message!.id };
}

/** What the send-sms job does, with a stable idempotency key as the runner would give. */
async function runSendJob(messageId: string) {
  return deliverSms(await appDatabase(), getSmsAdapter(), messageId, {
    idempotencyKey: `job-${messageId}`,
    signal: new AbortController().signal,
    statusCallbackUrl: statusCallbackUrl(),
  });
}

async function messageRow(id: string) {
  return (await appDatabase()).db.select().from(messages).where(eq(messages.id, id)).get();
}

async function inbound(from: string, body: string, sid: string, signature?: string) {
  const params = {
    MessageSid: sid,
    From: from,
    To: "+15125550100",
    Body: body,
    AccountSid: accountSid,
  };
  const url = `${process.env.APP_URL}/api/v1/webhooks/twilio/inbound`;
  return callRoute(inboundRoute, {
    method: "POST",
    path: "/api/v1/webhooks/twilio/inbound",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Twilio-Signature": signature ?? twilioSignature(authToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

describe("texting the apply link through Twilio", () => {
  it("sends once with Basic auth, names FlowPay and STOP, and applies signed delivery reports", async () => {
    const app = await offerTo("+15125550111", "send");
    expect(await runSendJob(app.messageId)).toMatchObject({ outcome: "sent" });
    const sent = fake.messages.filter((m) => m.to === "+15125550111");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.authorization).toBe(
      `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
    );
    expect(sent[0]!.body).toContain("FlowPay");
    expect(sent[0]!.body).toContain("Reply STOP to opt out");
    expect(sent[0]!.body).toContain(app.apply_url);
    expect(sent[0]!.statusCallback).toBe(`${process.env.APP_URL}/api/v1/webhooks/twilio/status`);

    // The job runs again (at-least-once): nothing is sent twice.
    expect(await runSendJob(app.messageId)).toMatchObject({ outcome: "skipped" });
    expect(fake.messages.filter((m) => m.to === "+15125550111")).toHaveLength(1);

    const callback = await fake.sendStatusCallback(sent[0]!.sid, "delivered");
    expect(callback.status).toBe(204);
    expect((await messageRow(app.messageId))?.status).toBe("delivered");
    // A late "sent" after "delivered" does not move the state back; a replay is harmless.
    await fake.sendStatusCallback(sent[0]!.sid, "sent");
    await fake.sendStatusCallback(sent[0]!.sid, "delivered");
    expect((await messageRow(app.messageId))?.status).toBe("delivered");

    const view = await callRoute(getRoute, {
      path: `/api/v1/crm/applications/${app.application_id}`,
      params: { applicationId: app.application_id },
      headers: jsonHeaders(merchant.key),
    });
    expect(((await view.json()) as { sms_status: string }).sms_status).toBe("delivered");
  });

  it("after a crash between Twilio accepting and us recording it, the retry finds the text instead of resending", async () => {
    const app = await offerTo("+15125550122", "crash");
    await runSendJob(app.messageId);
    // Simulate the crash: Twilio has the message, our row still says "sending".
    const database = await appDatabase();
    await database.write((tx) =>
      tx
        .update(messages)
        .set({ status: "sending", providerMessageId: null })
        .where(eq(messages.id, app.messageId)),
    );
    expect(await runSendJob(app.messageId)).toMatchObject({ outcome: "reconciled" });
    expect(fake.messages.filter((m) => m.to === "+15125550122")).toHaveLength(1);
  });

  it("a transient Twilio failure leaves the text to be retried; an invalid number fails for good", async () => {
    const app = await offerTo("+15125550133", "retry");
    fake.failNext(1, 503);
    await expect(runSendJob(app.messageId)).rejects.toMatchObject({ permanent: false });
    expect(await runSendJob(app.messageId)).toMatchObject({ outcome: "sent" });
    expect(fake.messages.filter((m) => m.to === "+15125550133")).toHaveLength(1);

    fake.failNext(1, 400, 21211);
    const bad = await offerTo("+15125550144", "invalid");
    await expect(runSendJob(bad.messageId)).rejects.toMatchObject({ permanent: true });
    expect(await messageRow(bad.messageId)).toMatchObject({ status: "failed", errorCode: "21211" });
  });

  it("rejects a delivery report with a bad signature and stores nothing", async () => {
    const statusRoute = await import("~/app/routes/api.v1.webhooks.twilio.status");
    const before = await (
      await appDatabase()
    ).db.get<{ n: number }>(sql`SELECT count(*) AS n FROM webhook_events`);
    const forged = await callRoute(statusRoute, {
      method: "POST",
      path: "/api/v1/webhooks/twilio/status",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": "bm9wZQ==",
      },
      body: "MessageSid=SMx&MessageStatus=delivered",
    });
    expect(forged.status).toBe(401);
    const after = await (
      await appDatabase()
    ).db.get<{ n: number }>(sql`SELECT count(*) AS n FROM webhook_events`);
    expect(after?.n).toBe(before?.n);
  });
});

let nextOptOutPhone = 3000;

describe("opt-out (TCPA)", () => {
  it.each([
    ["STOP"],
    ["stop"],
    ["REVOKE"],
    ["Opt Out"],
    ["Stop texting me please"],
    ["UNSUBSCRIBE"],
  ])(
    "%s puts the number on our opt-out list with one confirmation; later texts are suppressed",
    async (word) => {
      // A number of its own per case: an already opted-out number gets no second confirmation.
      const phone = `+1512555${nextOptOutPhone++}`;
      const sid = `SM${Math.random().toString(16).slice(2).padEnd(32, "0")}`;
      const response = await inbound(phone, word, sid);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/xml");
      // Replayed webhook: no second effect.
      await inbound(phone, word, sid);
      const database = await appDatabase();
      const confirmations = await database.db
        .select()
        .from(messages)
        .where(sql`recipient = ${phone} AND template = 'opt_out_confirmation'`);
      expect(confirmations).toHaveLength(1);
      // The confirmation itself goes out, once.
      expect(await runSendJob(confirmations[0]!.id)).toMatchObject({ outcome: "sent" });

      const app = await offerTo(phone, `opt-${sid}`);
      // Suppressed at intake already (the answer said so); the send job finds nothing to send.
      expect((await messageRow(app.messageId))?.status).toBe("suppressed");
      expect(await runSendJob(app.messageId)).toMatchObject({ outcome: "skipped" });
      expect(
        fake.messages.filter((m) => m.to === phone && m.body.includes("/apply/")),
      ).toHaveLength(0);
      const view = await callRoute(getRoute, {
        path: `/api/v1/crm/applications/${app.application_id}`,
        params: { applicationId: app.application_id },
        headers: jsonHeaders(merchant.key),
      });
      expect(((await view.json()) as { sms_status: string }).sms_status).toBe("suppressed");
    },
  );

  it("START takes the number off the list; HELP answers with the help text", async () => {
    const phone = "+15125550177";
    await inbound(phone, "STOP", "SM" + "a".repeat(32));
    await inbound(phone, "START", "SM" + "b".repeat(32));
    await inbound(phone, "HELP", "SM" + "c".repeat(32));
    const database = await appDatabase();
    const templates = (
      await database.db
        .select({ template: messages.template })
        .from(messages)
        .where(sql`recipient = ${phone}`)
    ).map((m) => m.template);
    expect(templates).toEqual(
      expect.arrayContaining(["opt_out_confirmation", "opt_in_confirmation", "help"]),
    );
    const app = await offerTo(phone, "restart");
    expect(await runSendJob(app.messageId)).toMatchObject({ outcome: "sent" });
  });

  it("HELP from an opted-out number is answered (carriers require it), and says it is unsubscribed", async () => {
    const phone = "+15125550166";
    await inbound(phone, "STOP", "SM" + "e".repeat(32));
    await inbound(phone, "help", "SM" + "f".repeat(32));
    const database = await appDatabase();
    const help = await database.db
      .select()
      .from(messages)
      .where(sql`recipient = ${phone} AND template LIKE 'help%'`)
      .get();
    expect(help).toBeDefined();
    expect(await runSendJob(help!.id)).toMatchObject({ outcome: "sent" });
    const sent = fake.messages.filter((m) => m.to === phone && m.body.includes("Help:"));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toContain("unsubscribed");
    expect(sent[0]!.body).toContain("START");
    // Still opted out: an apply link to the number is suppressed.
    const app = await offerTo(phone, "help-opted-out");
    expect((await messageRow(app.messageId))?.status).toBe("suppressed");
  });

  it("an inbound text with a bad signature is refused and changes nothing", async () => {
    const response = await inbound("+15125550188", "STOP", "SM" + "d".repeat(32), "forged");
    expect(response.status).toBe(401);
    const database = await appDatabase();
    const row = await database.db.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM sms_opt_outs WHERE phone = '+15125550188'`,
    );
    expect(row?.n).toBe(0);
  });
});
