import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { twilioSignature } from "./fake-server";
import {
  SANDBOX_AUTH_TOKEN,
  clearSandboxOutbox,
  createSandboxSms,
  sandboxMessageSid,
  sandboxOutbox,
} from "./sandbox";

const TO = "+15551234567";

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

describe("SMS sandbox", () => {
  beforeEach(() => clearSandboxOutbox());

  it("derives the message id from the idempotency key: SM + 32 hex of sha256(key)", async () => {
    const sms = createSandboxSms();
    const expected = "SM" + createHash("sha256").update("msg_1").digest("hex").slice(0, 32);
    const result = await sms.send({ to: TO, body: "Hi", idempotencyKey: "msg_1" });
    expect(sms.name).toBe("sandbox");
    expect(result).toEqual({ providerMessageId: expected, status: "queued" });
    expect(sandboxMessageSid("msg_1")).toBe(expected);
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);

    // Another adapter instance (another process start) gives the same id for the same key.
    const again = await createSandboxSms().send({ to: TO, body: "Hi", idempotencyKey: "msg_1" });
    expect(again.providerMessageId).toBe(expected);
    const other = await sms.send({ to: TO, body: "Hi", idempotencyKey: "msg_2" });
    expect(other.providerMessageId).not.toBe(expected);
  });

  it("records every message, newest last, and a retry with the same key only once", async () => {
    const sms = createSandboxSms();
    const first = await sms.send({
      to: TO,
      body: "One",
      idempotencyKey: "k1",
      statusCallbackUrl: "https://flowpay.example/cb",
    });
    const retry = await sms.send({
      to: TO,
      body: "One",
      idempotencyKey: "k1",
      statusCallbackUrl: "https://flowpay.example/cb",
    });
    await sms.send({ to: TO, body: "Two", idempotencyKey: "k2" });

    expect(retry).toEqual(first);
    const outbox = sandboxOutbox();
    expect(outbox.map((m) => m.body)).toEqual(["One", "Two"]);
    expect(outbox[0]).toMatchObject({
      providerMessageId: first.providerMessageId,
      to: TO,
      idempotencyKey: "k1",
      statusCallbackUrl: "https://flowpay.example/cb",
      status: "queued",
    });
    expect(outbox[0]!.sentAt).toBeInstanceOf(Date);

    // A copy: mutating it does not change the sandbox.
    outbox.pop();
    expect(sandboxOutbox()).toHaveLength(2);
    clearSandboxOutbox();
    expect(sandboxOutbox()).toEqual([]);
  });

  it("refuses an idempotency key reused for a different message", async () => {
    const sms = createSandboxSms();
    await sms.send({ to: TO, body: "One", idempotencyKey: "k" });
    const error = await partnerError(sms.send({ to: TO, body: "Other", idempotencyKey: "k" }));
    expect(error).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", permanent: true });
    expect(sandboxOutbox()).toHaveLength(1);
  });

  it("magic numbers: +15005550001 is permanent (21211), +15005550009 transient (503)", async () => {
    const sms = createSandboxSms();
    const invalid = await partnerError(
      sms.send({ to: "+15005550001", body: "x", idempotencyKey: "a" }),
    );
    expect(invalid).toMatchObject({ partner: "twilio", status: 400, code: 21211, permanent: true });

    const unavailable = await partnerError(
      sms.send({ to: "+15005550009", body: "x", idempotencyKey: "b" }),
    );
    expect(unavailable).toMatchObject({ partner: "twilio", status: 503, permanent: false });
    expect(unavailable.transient).toBe(true);
    // The same key fails again: a failure is not recorded as a send.
    await partnerError(sms.send({ to: "+15005550009", body: "x", idempotencyKey: "b" }));
    expect(sandboxOutbox()).toEqual([]);

    expect((await sms.send({ to: "+15005550002", body: "x", idempotencyKey: "c" })).status).toBe(
      "queued",
    );
  });

  it("findSent: the message with exactly that body to that number since a time, or null", async () => {
    const sms = createSandboxSms();
    const since = new Date(Date.now() - 1_000);
    const sent = await sms.send({ to: TO, body: "Your link", idempotencyKey: "k" });
    expect(await sms.findSent({ to: TO, body: "Your link", since })).toEqual(sent);
    expect(await sms.findSent({ to: TO, body: "Your link!", since })).toBeNull();
    expect(await sms.findSent({ to: "+15550000000", body: "Your link", since })).toBeNull();
    expect(
      await sms.findSent({ to: TO, body: "Your link", since: new Date(Date.now() + 60_000) }),
    ).toBeNull();
  });

  it("honours an aborted signal", async () => {
    const sms = createSandboxSms();
    const error = await partnerError(
      sms.send({ to: TO, body: "x", idempotencyKey: "k", signal: AbortSignal.abort() }),
    );
    expect(error).toMatchObject({ code: "ABORTED", permanent: false });
    expect(sandboxOutbox()).toEqual([]);
  });

  it("validates webhook signatures with the real algorithm and the sandbox token", () => {
    const url = "http://localhost:3000/api/v1/webhooks/twilio/status";
    const params = { MessageSid: "SM" + "0".repeat(32), MessageStatus: "delivered" };
    const signature = twilioSignature(SANDBOX_AUTH_TOKEN, url, params);
    const sms = createSandboxSms();
    expect(sms.validateSignature(signature, url, params)).toBe(true);
    expect(sms.validateSignature(signature, url, { ...params, MessageStatus: "failed" })).toBe(
      false,
    );
    expect(sms.validateSignature(null, url, params)).toBe(false);
    expect(createSandboxSms({ authToken: "other" }).validateSignature(signature, url, params)).toBe(
      false,
    );
  });
});
