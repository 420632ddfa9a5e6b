import { afterAll, describe, expect, it } from "vitest";
import { signSandboxEvent } from "~/adapters/persona/sandbox";
import { SANDBOX_AUTH_TOKEN } from "~/adapters/twilio/sandbox";
import { twilioSignature } from "~/adapters/twilio/fake-server";
import { spawnServer, type RunningServer } from "./spawn-server";

/**
 * Production never uses a sandbox partner implicitly (ADR 029), checked on the built server as
 * production runs it: a start without partner settings fails naming each one; with every
 * partner named in SANDBOX_PARTNERS it starts and says so (log and /ready); and the sandboxes'
 * public secrets sign nothing it accepts.
 */
const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
});

const productionSecrets = {
  FLOWPAY_ENV: "production",
  SESSION_SECRET: "s".repeat(40),
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString("base64")}`,
  METRICS_TOKEN: "metrics-token-0123456789",
  COOKIE_SECURE: "false",
};
const appUrl = "https://pay.flowpay-test.invalid";

describe("production partners", () => {
  it("refuses to start without partner settings, naming each missing one", async () => {
    const server = await spawnServer({ env: productionSecrets, waitReady: false });
    running.push(server);
    const { code } = await server.exited;
    expect(code).toBe(1);
    const output = server.output();
    for (const expected of [
      "APP_URL: required when FLOWPAY_ENV=production",
      "experian: live in production, needs EXPERIAN_BASE_URL",
      "plaid: live in production, needs PLAID_CLIENT_ID",
      "persona: live in production, needs PERSONA_API_KEY",
      "twilio: live in production, needs TWILIO_ACCOUNT_SID",
      "email: live in production, needs SMTP_URL",
      "lender: live in production, needs LENDERS",
    ]) {
      expect(output).toContain(expected);
    }
    expect(output).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
  });

  it("refuses an http APP_URL", async () => {
    const server = await spawnServer({
      env: {
        ...productionSecrets,
        APP_URL: "http://pay.flowpay-test.invalid",
        SANDBOX_PARTNERS: "experian,plaid,persona,twilio,email,lender",
      },
      waitReady: false,
    });
    running.push(server);
    expect((await server.exited).code).toBe(1);
    expect(server.output()).toContain("APP_URL: must be an https:// URL");
  });

  it("starts with sandboxes named in SANDBOX_PARTNERS, says so, and refuses their public secrets", async () => {
    const server = await spawnServer({
      env: {
        ...productionSecrets,
        APP_URL: appUrl,
        SANDBOX_PARTNERS: "experian,plaid,persona,twilio,email,lender",
      },
    });
    running.push(server);
    expect(server.output()).toMatch(
      /production with sandbox partners \(SANDBOX_PARTNERS\): experian, plaid, persona, twilio, email, lender/,
    );
    const ready = (await (await fetch(`${server.url}/ready`)).json()) as {
      checks: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(ready.checks.partners).toEqual({
      ok: true,
      detail: "live: none; sandbox: experian, plaid, persona, twilio, email, lender",
    });

    // A delivery report signed with the public sandbox token: anyone could forge it.
    const path = "/api/v1/webhooks/twilio/status";
    const params = { MessageSid: `SM${"a".repeat(32)}`, MessageStatus: "delivered" };
    const forged = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilioSignature(SANDBOX_AUTH_TOKEN, `${appUrl}${path}`, params),
      },
      body: new URLSearchParams(params),
    });
    expect(forged.status).toBe(401);
    const stop = { From: "+15125550123", To: "+15125550100", Body: "STOP", MessageSid: "SM1" };
    const inboundPath = "/api/v1/webhooks/twilio/inbound";
    const forgedStop = await fetch(`${server.url}${inboundPath}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilioSignature(SANDBOX_AUTH_TOKEN, `${appUrl}${inboundPath}`, stop),
      },
      body: new URLSearchParams(stop),
    });
    expect(forgedStop.status).toBe(401);

    // A Persona event signed with the sandbox's public webhook secret.
    const event = signSandboxEvent({ inquiryId: "inq_forged", status: "approved" });
    const persona = await fetch(`${server.url}/api/v1/webhooks/persona`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Persona-Signature": event.header },
      body: event.body,
    });
    expect(persona.status).toBe(401);
  });
});
