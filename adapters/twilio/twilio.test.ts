import { createServer, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { startFakeTwilio, twilioSignature, type FakeTwilio } from "./fake-server";
import { createSmsAdapter, SmsConfigError } from "./index";
import { createTwilioSms, type TwilioSmsConfig } from "./live";
import { createSandboxSms } from "./sandbox";

const ACCOUNT_SID = "AC" + "0123456789abcdef".repeat(2);
const AUTH_TOKEN = "fake-auth-token-0123456789";
const FROM = "+15550006789";
const TO = "+15551234567";

/** The PartnerError a promise rejects with (fails the test if it resolves or throws something else). */
async function partnerError(promise: Promise<unknown>): Promise<PartnerError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  return error as PartnerError;
}

/** A webhook receiver like the app's: records each POST with the URL it was called at. */
type Received = { url: string; signature: string | null; params: Record<string, string> };
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };
  const server: Server = createServer((req, res) => {
    void read(req).then((raw) => {
      const header = req.headers["x-twilio-signature"];
      received.push({
        url: `http://${req.headers.host}${req.url}`,
        signature: typeof header === "string" ? header : null,
        params: Object.fromEntries(new URLSearchParams(raw)),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("live Twilio adapter against the fake Twilio", () => {
  let fake: FakeTwilio;
  const live = (overrides: Partial<TwilioSmsConfig> = {}) =>
    createTwilioSms({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      apiBaseUrl: fake.url,
      ...overrides,
    });

  beforeEach(async () => {
    fake = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("sends with Basic auth and Twilio's form fields, StatusCallback included", async () => {
    const sms = live();
    const result = await sms.send({
      to: TO,
      body: "FlowPay: your offer is ready. Reply STOP to opt out.",
      statusCallbackUrl: "https://flowpay.example/api/v1/webhooks/twilio/status",
      idempotencyKey: "msg_1",
    });

    expect(sms.name).toBe("twilio");
    expect(fake.messages).toHaveLength(1);
    const seen = fake.messages[0]!;
    expect(result).toEqual({ providerMessageId: seen.sid, status: "queued" });
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(seen.authorization).toBe(
      "Basic " + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64"),
    );
    expect(seen.form).toEqual({
      To: TO,
      From: FROM,
      Body: "FlowPay: your offer is ready. Reply STOP to opt out.",
      StatusCallback: "https://flowpay.example/api/v1/webhooks/twilio/status",
    });
    expect(fake.requests[0]).toMatchObject({
      method: "POST",
      path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      status: 201,
    });
  });

  it("sends through a Messaging Service instead of a From number when one is configured", async () => {
    const sms = live({ from: undefined, messagingServiceSid: "MG" + "ab".repeat(16) });
    const result = await sms.send({ to: TO, body: "Hello", idempotencyKey: "msg_2" });
    expect(result.status).toBe("accepted");
    expect(fake.messages[0]!.form).toEqual({
      To: TO,
      MessagingServiceSid: "MG" + "ab".repeat(16),
      Body: "Hello",
    });
  });

  it("wrong credentials: a permanent PartnerError (401, Twilio 20003)", async () => {
    const sms = live({ authToken: "not-the-token" });
    const error = await partnerError(sms.send({ to: TO, body: "Hi", idempotencyKey: "k" }));
    expect(error).toMatchObject({ partner: "twilio", status: 401, code: 20003, permanent: true });
    expect(error.message).not.toContain("not-the-token");
    expect(fake.messages).toHaveLength(0);
    expect(fake.requests.map((r) => r.status)).toEqual([401]);
  });

  it("another account's path: 404 from the fake, and a 404 is permanent", async () => {
    const response = await fetch(
      `${fake.url}/2010-04-01/Accounts/AC${"f".repeat(32)}/Messages.json`,
      {
        headers: {
          Authorization: "Basic " + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64"),
        },
      },
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 20404, status: 404 });

    fake.failNext(1, 404);
    const error = await partnerError(live().send({ to: TO, body: "Hi", idempotencyKey: "k" }));
    expect(error).toMatchObject({ status: 404, code: 20404, permanent: true });
  });

  it("invalid and unsubscribed numbers are permanent (21211, 21610)", async () => {
    const sms = live();
    const invalid = await partnerError(
      sms.send({ to: "+15005550001", body: "Hi", idempotencyKey: "a" }),
    );
    expect(invalid).toMatchObject({ status: 400, code: 21211, permanent: true });
    const unsubscribed = await partnerError(
      sms.send({ to: "+15005550004", body: "Hi", idempotencyKey: "b" }),
    );
    expect(unsubscribed).toMatchObject({ status: 400, code: 21610, permanent: true });
  });

  it("503 twice then success: the adapter does not retry, each failure is transient", async () => {
    const sms = live();
    fake.failNext(2, 503);
    const request = { to: TO, body: "Retry me", idempotencyKey: "msg_retry" };

    const first = await partnerError(sms.send(request));
    expect(first).toMatchObject({ status: 503, code: 20503, permanent: false });
    expect(fake.requests).toHaveLength(1);
    const second = await partnerError(sms.send(request));
    expect(second).toMatchObject({ status: 503, permanent: false });
    expect(fake.requests).toHaveLength(2);

    const third = await sms.send(request);
    expect(third.status).toBe("queued");
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 201]);
    expect(fake.messages).toHaveLength(1);
  });

  it("429 and a full sender queue (400 / 21611) are transient", async () => {
    const sms = live();
    fake.failNext(1, 429);
    expect(await partnerError(sms.send({ to: TO, body: "x", idempotencyKey: "k" }))).toMatchObject({
      status: 429,
      code: 20429,
      permanent: false,
    });
    fake.failNext(1, 400, 21611);
    expect(await partnerError(sms.send({ to: TO, body: "x", idempotencyKey: "k" }))).toMatchObject({
      status: 400,
      code: 21611,
      permanent: false,
    });
  });

  it("network errors are transient and carry no credentials", async () => {
    const closed = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const url = closed.url;
    await closed.close();
    const sms = live({ apiBaseUrl: url });
    const error = await partnerError(sms.send({ to: TO, body: "x", idempotencyKey: "k" }));
    expect(error).toMatchObject({ code: "NETWORK", permanent: false });
    expect(error.status).toBeUndefined();
    expect(JSON.stringify({ ...error, cause: String(error.cause) })).not.toContain(AUTH_TOKEN);
  });

  it("a request Twilio never answers times out as a transient error", async () => {
    const sms = live({ timeoutMs: 300 });
    fake.stallNext(1);
    const started = Date.now();
    const error = await partnerError(sms.send({ to: TO, body: "x", idempotencyKey: "k" }));
    expect(error).toMatchObject({ code: "TIMEOUT", permanent: false });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("a bug (the SDK refusing the call) is rethrown as is, not as a PartnerError", async () => {
    const sms = live({ timeoutMs: 50 });
    const error = await sms
      .send({ to: undefined as unknown as string, body: "x", idempotencyKey: "k" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PartnerError);
    // The timeout guard was cleared: nothing rejects later.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests).toHaveLength(0);
  });

  it("honours the AbortSignal: an in-flight call rejects at once, an aborted one is never sent", async () => {
    const sms = live();
    fake.stallNext(1);
    const controller = new AbortController();
    const pending = sms.send({
      to: TO,
      body: "x",
      idempotencyKey: "k",
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("shutting down")), 50);
    expect(await partnerError(pending)).toMatchObject({ code: "ABORTED", permanent: false });

    const before = fake.requests.length;
    const aborted = AbortSignal.abort();
    expect(
      await partnerError(sms.send({ to: TO, body: "y", idempotencyKey: "k2", signal: aborted })),
    ).toMatchObject({ code: "ABORTED", permanent: false });
    expect(
      await partnerError(sms.findSent({ to: TO, body: "y", since: new Date(), signal: aborted })),
    ).toMatchObject({ code: "ABORTED" });
    expect(fake.requests.length).toBe(before);
  });

  it("findSent finds a sent message by body, still queued or sent, and null for another body", async () => {
    const sms = live();
    const since = new Date(Date.now() - 1_000);
    const body =
      "FlowPay: sign your agreement at https://flowpay.example/b/abc. Reply STOP to opt out.";
    const sent = await sms.send({ to: TO, body, idempotencyKey: "msg_find" });
    await sms.send({ to: "+15557654321", body, idempotencyKey: "msg_other_number" });

    // Still queued: no date_sent yet, so found by the fallback look at the newest messages.
    expect(await sms.findSent({ to: TO, body, since })).toEqual({
      providerMessageId: sent.providerMessageId,
      status: "queued",
    });

    // Sent: found by the DateSent filter alone (one GET).
    fake.setStatus(sent.providerMessageId, "sent");
    const gets = fake.requests.filter((r) => r.method === "GET").length;
    expect(await sms.findSent({ to: TO, body, since })).toEqual({
      providerMessageId: sent.providerMessageId,
      status: "sent",
    });
    const newGets = fake.requests.filter((r) => r.method === "GET").slice(gets);
    expect(newGets).toHaveLength(1);
    expect(newGets[0]!.query).toMatchObject({ To: TO, PageSize: "20" });
    expect(newGets[0]!.query["DateSent>"]).toBe(since.toISOString().replace(/\.\d{3}Z$/, "Z"));

    expect(await sms.findSent({ to: TO, body: body + " (edited)", since })).toBeNull();
    expect(await sms.findSent({ to: "+15550000000", body, since })).toBeNull();
    // Twilio filters DateSent by day; the adapter itself drops messages created before `since`.
    expect(
      await sms.findSent({ to: TO, body, since: new Date(Date.now() + 10 * 60_000) }),
    ).toBeNull();
  });

  it("a status callback from the fake validates with validateSignature; a tampered one does not", async () => {
    const receiver = await startReceiver();
    try {
      const sms = live();
      const callbackUrl = `${receiver.url}/api/v1/webhooks/twilio/status?merchant=m_1`;
      const sent = await sms.send({
        to: TO,
        body: "Status please",
        statusCallbackUrl: callbackUrl,
        idempotencyKey: "msg_cb",
      });

      const delivered = await fake.sendStatusCallback(sent.providerMessageId, "delivered");
      const failed = await fake.sendStatusCallback(sent.providerMessageId, "undelivered", 30003);
      expect([delivered.status, failed.status]).toEqual([204, 204]);
      expect(receiver.received).toHaveLength(2);

      const [first, second] = receiver.received as [Received, Received];
      expect(first.url).toBe(callbackUrl);
      expect(first.params).toMatchObject({
        MessageSid: sent.providerMessageId,
        MessageStatus: "delivered",
        AccountSid: ACCOUNT_SID,
        To: TO,
        From: FROM,
      });
      expect(second.params).toMatchObject({ MessageStatus: "undelivered", ErrorCode: "30003" });

      expect(sms.validateSignature(first.signature, first.url, first.params)).toBe(true);
      expect(sms.validateSignature(second.signature, second.url, second.params)).toBe(true);

      const tampered = { ...first.params, MessageStatus: "failed" };
      expect(sms.validateSignature(first.signature, first.url, tampered)).toBe(false);
      const extra = { ...first.params, ErrorCode: "30007" };
      expect(sms.validateSignature(first.signature, first.url, extra)).toBe(false);
      expect(
        sms.validateSignature(first.signature, first.url.replace("m_1", "m_2"), first.params),
      ).toBe(false);
      expect(sms.validateSignature(null, first.url, first.params)).toBe(false);
      expect(sms.validateSignature("", first.url, first.params)).toBe(false);
      expect(sms.validateSignature(first.signature, "not a url", first.params)).toBe(false);

      // Another account's token does not validate it either.
      const otherToken = createSandboxSms({ authToken: "another-token" });
      expect(otherToken.validateSignature(first.signature, first.url, first.params)).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});

describe("X-Twilio-Signature: the known vector from docs/product/partners.md", () => {
  const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const params = {
    CallSid: "CA1234567890ABCDE",
    Caller: "+12349013030",
    Digits: "1234",
    From: "+12349013030",
    To: "+18005551212",
  };
  const expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

  it("the fake's hand-written signer produces it", () => {
    expect(twilioSignature("12345", url, params)).toBe(expected);
  });

  it("validates via the sandbox and the live adapter", () => {
    const sandbox = createSandboxSms({ authToken: "12345" });
    const live = createTwilioSms({ accountSid: ACCOUNT_SID, authToken: "12345", from: FROM });
    for (const sms of [sandbox, live]) {
      expect(sms.validateSignature(expected, url, params)).toBe(true);
      expect(sms.validateSignature(expected, url, { ...params, Digits: "1235" })).toBe(false);
      expect(sms.validateSignature(expected, url.replace("bar=2", "bar=3"), params)).toBe(false);
    }
  });
});

describe("createSmsAdapter", () => {
  it("is the sandbox when Twilio is not configured", () => {
    expect(createSmsAdapter({}).name).toBe("sandbox");
    expect(createSmsAdapter({ accountSid: "", authToken: "" }).name).toBe("sandbox");
  });

  it("is live when the SID, token and a sender are set", () => {
    expect(
      createSmsAdapter({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM }).name,
    ).toBe("twilio");
    expect(
      createSmsAdapter({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        messagingServiceSid: "MG" + "0".repeat(32),
      }).name,
    ).toBe("twilio");
  });

  it("refuses a half configuration instead of silently using the sandbox", () => {
    expect(() => createSmsAdapter({ accountSid: ACCOUNT_SID })).toThrow(SmsConfigError);
    expect(() => createSmsAdapter({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN })).toThrow(
      /from or messagingServiceSid/,
    );
    expect(() => createSmsAdapter({ authToken: AUTH_TOKEN, from: FROM })).toThrow(/accountSid/);
  });
});
