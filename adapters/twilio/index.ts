/**
 * The SMS adapter to use: live Twilio when it is fully configured, the sandbox when it is
 * not configured at all. A half-configured Twilio (a SID without a token, or no sender) is
 * an error, never a silent fall-back to the sandbox: texts that quietly go nowhere are
 * worse than a process that refuses to start.
 */
import { createTwilioSms } from "./live";
import { createSandboxSms } from "./sandbox";
import { type SmsAdapter } from "./types";

export type SmsAdapterConfig = {
  accountSid?: string;
  authToken?: string;
  from?: string;
  messagingServiceSid?: string;
  /** Tests and local fakes only: send the live adapter's requests here. */
  apiBaseUrl?: string;
  /** Live adapter: per-call timeout (default 10 s). */
  timeoutMs?: number;
};

export class SmsConfigError extends Error {
  override name = "SmsConfigError";
}

export function createSmsAdapter(config: SmsAdapterConfig = {}): SmsAdapter {
  const accountSid = config.accountSid || undefined;
  const authToken = config.authToken || undefined;
  const from = config.from || undefined;
  const messagingServiceSid = config.messagingServiceSid || undefined;

  if (!accountSid && !authToken) {
    // The sandbox signs and checks webhooks with its own token; see docs/sandbox/twilio.md.
    return createSandboxSms();
  }
  const missing = [
    !accountSid && "accountSid",
    !authToken && "authToken",
    !from && !messagingServiceSid && "from or messagingServiceSid",
  ].filter((name): name is string => Boolean(name));
  if (!accountSid || !authToken || missing.length > 0) {
    throw new SmsConfigError(`Twilio is partly configured: missing ${missing.join(", ")}`);
  }
  return createTwilioSms({
    accountSid,
    authToken,
    ...(from ? { from } : {}),
    ...(messagingServiceSid ? { messagingServiceSid } : {}),
    ...(config.apiBaseUrl ? { apiBaseUrl: config.apiBaseUrl } : {}),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
  });
}

export { createTwilioSms, type TwilioSmsConfig } from "./live";
export {
  createSandboxSms,
  sandboxOutbox,
  clearSandboxOutbox,
  SANDBOX_AUTH_TOKEN,
  SANDBOX_MAGIC_NUMBERS,
  type SandboxSms,
} from "./sandbox";
export type { SmsAdapter, SmsSendRequest, SmsSendResult, SmsStatus } from "./types";
