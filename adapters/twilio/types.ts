/**
 * The SMS partner as the rest of FlowPay sees it. Two implementations: `sandbox.ts`
 * (in memory, magic numbers) and `live.ts` (Twilio's REST API through the official SDK).
 * Every failed call throws a `PartnerError` (adapters/shared/errors.ts) with
 * `partner: "twilio"`; see docs/sandbox/twilio.md for which errors are permanent.
 */

export type SmsStatus =
  "queued" | "accepted" | "sending" | "sent" | "delivered" | "undelivered" | "failed";

export type SmsSendRequest = {
  /** E.164, e.g. "+15551234567". */
  to: string;
  body: string;
  /** Where Twilio POSTs status updates (signed with X-Twilio-Signature). */
  statusCallbackUrl?: string;
  /**
   * Derived from our own ids (e.g. the outbox job id). The sandbox dedupes on it; Twilio's
   * Messages API has no idempotency key, so the live adapter cannot — after an ambiguous
   * failure, call `findSent` before sending again.
   */
  idempotencyKey: string;
  signal?: AbortSignal;
};

export type SmsSendResult = { providerMessageId: string; status: SmsStatus };

export interface SmsAdapter {
  readonly name: "sandbox" | "twilio";
  send(request: SmsSendRequest): Promise<SmsSendResult>;
  /** After an ambiguous attempt (crash between the provider accepting and us recording it): a message to `to` with exactly `body` sent since `since`, or null. */
  findSent(query: {
    to: string;
    body: string;
    since: Date;
    signal?: AbortSignal;
  }): Promise<SmsSendResult | null>;
  /** X-Twilio-Signature check of a webhook: full URL Twilio called + its POST params. */
  validateSignature(signature: string | null, url: string, params: Record<string, string>): boolean;
}
