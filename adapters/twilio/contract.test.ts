import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeTwilio, twilioSignature, type FakeTwilio } from "./fake-server";
import { RedirectingRequestClient } from "./live";

/**
 * Contract: the fake against the twilio SDK, not against our adapter. Compile time: the fake's
 * Message resource `satisfies` the payload type the SDK's MessageInstance is built from
 * (fake-server.ts, TwilioWire), so tsc fails when it drifts. Run time: the SDK's own client
 * reads the fake's answer into a MessageInstance with every field it maps.
 */
describe("Twilio contract: the twilio SDK", () => {
  const accountSid = `AC${"0".repeat(32)}`;
  const authToken = "contract-auth-token-0123456789";
  let fake: FakeTwilio;
  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken });
  });
  afterAll(() => fake.close());

  it("the SDK's client creates a message on the fake and reads every field", async () => {
    const client = twilio(accountSid, authToken, {
      autoRetry: false,
      httpClient: new RedirectingRequestClient(fake.url, { timeout: 5_000 }),
    });
    const message = await client.messages.create({
      to: "+15125550123",
      from: "+15125550100",
      body: "FlowPay contract",
      statusCallback: "https://pay.example.com/api/v1/webhooks/twilio/status",
    });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.accountSid).toBe(accountSid);
    expect(message.status).toBe("queued");
    expect(message.direction).toBe("outbound-api");
    expect(message.numSegments).toBe("1");
    // RFC 2822 on the wire, a real Date once the SDK has read it.
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(message.dateCreated.getTime())).toBe(false);
    expect(message.subresourceUris).toHaveProperty("media");
  });

  it("the fake signs webhooks the way the SDK validates them (X-Twilio-Signature)", () => {
    const url = "https://pay.example.com/api/v1/webhooks/twilio/status";
    const params = { MessageSid: `SM${"1".repeat(32)}`, MessageStatus: "delivered" };
    const signature = twilioSignature(authToken, url, params);
    expect(twilio.validateRequest(authToken, signature, url, params)).toBe(true);
    expect(twilio.validateRequest("sandbox-auth-token", signature, url, params)).toBe(false);
  });
});
