/** Bits the sandbox and the live adapter share. Not part of the adapter's interface. */
import twilio from "twilio";
import { PartnerError } from "~/adapters/shared/errors";
import { type SmsStatus } from "./types";

export const PARTNER = "twilio";

/** Twilio's message statuses, folded into ours. The SDK's list is longer than SmsStatus. */
export function toSmsStatus(twilioStatus: string | null | undefined): SmsStatus {
  switch (twilioStatus) {
    case "queued":
    case "accepted":
    case "sending":
    case "sent":
    case "delivered":
    case "undelivered":
    case "failed":
      return twilioStatus;
    case "read":
    case "partially_delivered":
      return "delivered";
    case "canceled":
      return "failed";
    case "scheduled":
    default:
      // Twilio took the message but has not queued it for sending yet (or a status newer
      // than this code): it is with Twilio, nothing more is known.
      return "accepted";
  }
}

/**
 * X-Twilio-Signature check with the SDK's implementation (HMAC-SHA1 of the URL plus the
 * sorted params; it also tries the URL with and without the port). A missing header, an
 * unparsable URL or anything else unexpected is "not valid", never an exception.
 */
export function validateTwilioSignature(
  authToken: string,
  signature: string | null,
  url: string,
  params: Record<string, string>,
): boolean {
  if (!signature) return false;
  try {
    return twilio.validateRequest(authToken, signature, url, params);
  } catch {
    return false;
  }
}

export function abortedError(signal: AbortSignal, action: string): PartnerError {
  return new PartnerError(`Twilio ${action} aborted by the caller`, {
    partner: PARTNER,
    code: "ABORTED",
    permanent: false,
    cause: signal.reason,
  });
}

export function timeoutError(action: string, timeoutMs: number): PartnerError {
  return new PartnerError(`Twilio did not answer ${action} within ${timeoutMs} ms`, {
    partner: PARTNER,
    code: "TIMEOUT",
    permanent: false,
  });
}
