/** Bits the sandbox and the live adapter share. Not part of the adapter's interface. */
import { PartnerError } from "~/adapters/shared/errors";

export const PARTNER = "plaid";

export function abortedError(signal: AbortSignal, action: string): PartnerError {
  return new PartnerError(`Plaid ${action} aborted by the caller`, {
    partner: PARTNER,
    code: "ABORTED",
    permanent: false,
    cause: signal.reason,
  });
}

export function timeoutError(action: string, timeoutMs: number): PartnerError {
  return new PartnerError(`Plaid did not answer ${action} within ${timeoutMs} ms`, {
    partner: PARTNER,
    code: "TIMEOUT",
    permanent: false,
  });
}

/** Why a webhook was rejected. Each is a permanent PartnerError with this code. */
export type WebhookRejection =
  | "WEBHOOK_SIGNATURE_MISSING"
  | "WEBHOOK_MALFORMED"
  | "WEBHOOK_ALG_NOT_ALLOWED"
  | "WEBHOOK_KEY_UNKNOWN"
  | "WEBHOOK_KEY_EXPIRED"
  | "WEBHOOK_SIGNATURE_INVALID"
  | "WEBHOOK_STALE"
  | "WEBHOOK_BODY_MISMATCH"
  | "WEBHOOK_BODY_INVALID";

export function webhookRejected(
  code: WebhookRejection,
  message: string,
  cause?: unknown,
): PartnerError {
  return new PartnerError(`Plaid webhook rejected: ${message}`, {
    partner: PARTNER,
    code,
    permanent: true,
    ...(cause !== undefined ? { cause } : {}),
  });
}
