import { createSmsAdapter } from "../../adapters/twilio/index";
import type { SmsAdapter } from "../../adapters/twilio/types";
import { appUrl, getEnv } from "~/config/env.server";

const globalForSms = globalThis as unknown as { __flowpaySms?: SmsAdapter };

/** The process's SMS adapter: live Twilio when configured, the sandbox otherwise. */
export function getSmsAdapter(): SmsAdapter {
  const env = getEnv();
  globalForSms.__flowpaySms ??= createSmsAdapter({
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    from: env.TWILIO_FROM,
    messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
    apiBaseUrl: env.TWILIO_API_BASE_URL,
  });
  return globalForSms.__flowpaySms;
}

/** Where Twilio reports delivery states (the URL it signs, so it must be our public one). */
export const statusCallbackUrl = () =>
  `${appUrl().replace(/\/$/, "")}/api/v1/webhooks/twilio/status`;
