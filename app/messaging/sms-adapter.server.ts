import { randomBytes } from "node:crypto";
import { createSandboxSms, createSmsAdapter } from "~/adapters/twilio/index";
import type { SmsAdapter } from "~/adapters/twilio/types";
import { appUrl, getEnv, isProduction, namedSandbox } from "~/app/config/env.server";
import { singleton } from "~/app/singleton.server";

/**
 * The process's SMS adapter: live Twilio when configured, the sandbox otherwise or when named
 * in SANDBOX_PARTNERS. A production start without Twilio settings fails at boot unless twilio
 * is named (ADR 029); a named sandbox in production checks webhook signatures with a random
 * per-process token, so one signed with the public sandbox token is refused.
 */
export function getSmsAdapter(): SmsAdapter {
  const env = getEnv();
  if (namedSandbox("twilio")) {
    return singleton<SmsAdapter>("sms", () =>
      createSandboxSms(isProduction() ? { authToken: randomBytes(32).toString("hex") } : {}),
    );
  }
  if (isProduction() && !(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN)) {
    // Never the sandbox implicitly in production (boot refuses this configuration first).
    throw new Error("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)");
  }
  return singleton<SmsAdapter>("sms", () =>
    createSmsAdapter({
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      from: env.TWILIO_FROM,
      messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
      apiBaseUrl: env.TWILIO_API_BASE_URL,
    }),
  );
}

/** Where Twilio reports delivery states (the URL it signs, so it must be our public one). */
export const statusCallbackUrl = () =>
  `${appUrl().replace(/\/$/, "")}/api/v1/webhooks/twilio/status`;
