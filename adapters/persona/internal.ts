/** Bits the sandbox, the live adapter and the webhook code share. Not part of the interface. */
import { PartnerError } from "~/adapters/shared/errors";

export const PARTNER = "persona";

export function abortedError(signal: AbortSignal, action: string): PartnerError {
  return new PartnerError(`Persona ${action} aborted by the caller`, {
    partner: PARTNER,
    code: "ABORTED",
    permanent: false,
    cause: signal.reason,
  });
}

export function timeoutError(action: string, timeoutMs: number): PartnerError {
  return new PartnerError(`Persona did not answer ${action} within ${timeoutMs} ms`, {
    partner: PARTNER,
    code: "TIMEOUT",
    permanent: false,
  });
}

export function invalidResponse(action: string, why: string): PartnerError {
  return new PartnerError(`Persona's answer to ${action} was not usable: ${why}`, {
    partner: PARTNER,
    code: "INVALID_RESPONSE",
    permanent: false,
  });
}

/** A webhook we refuse. Always permanent: the same request will be refused again. */
export function webhookError(code: string, message: string): PartnerError {
  return new PartnerError(message, { partner: PARTNER, code, permanent: true });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
