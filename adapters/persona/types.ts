/**
 * Identity verification (KYC) as the rest of FlowPay sees it. Two implementations:
 * `sandbox.ts` (in memory, outcomes chosen by magic last names) and `live.ts` (Persona's
 * REST API over fetch). Every failed call throws a `PartnerError`
 * (adapters/shared/errors.ts) with `partner: "persona"`; see docs/sandbox/persona.md.
 */

/**
 * Persona's inquiry statuses, as Persona names them. The flow moves
 * `created → pending → completed | failed | expired` (a pending inquiry expires after
 * 24 h); a decision step (workflow or a human) may then move it to
 * `needs_review | approved | declined`, and a decision can be changed later. The one list:
 * the adapter parses by it and the rules editor offers it as `kyc.status`'s values.
 */
export const KYC_STATUSES = [
  "created",
  "pending",
  "completed",
  "failed",
  "expired",
  "needs_review",
  "approved",
  "declined",
] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];

export type KycResult = {
  inquiryId: string;
  status: KycStatus;
  /**
   * 0–1, for the score. Derived from the status only (`confidenceFor` in status.ts):
   * approved 0.95, completed 0.8, needs_review 0.6, declined/failed 0.1, otherwise 0.
   */
  confidence: number;
  /** Why the verification looks risky, e.g. "document_tampered", "selfie_mismatch"; empty when nothing failed. */
  fraudSignals: string[];
  /**
   * The reference id the inquiry was created with (our application id), when known.
   * Compare it with the application before trusting an inquiry id that came back in a URL.
   */
  referenceId?: string | null;
};

export type KycEvent = {
  /** Persona's event id (`evt_…`): the same event may be delivered more than once. */
  eventId: string;
  /** e.g. "inquiry.approved". */
  name: string;
  /** When the event happened at Persona: order events by this, not by arrival. */
  createdAt: Date;
  inquiryId: string;
  /** The inquiry status this event stands for (see `statusForEvent` in events.ts). */
  status: KycStatus;
  referenceId: string | null;
};

export interface IdentityAdapter {
  readonly name: "sandbox" | "persona";
  /**
   * Creates an inquiry for our application (reference-id) and returns where to send the
   * borrower (hosted flow; works without JavaScript on our side) and back. Persona sends
   * the borrower back to `redirectUrl?inquiry-id=…` (the sandbox adds `&sandbox=1`).
   *
   * `idempotencyKey` (optional, recommended): sent as Persona's `Idempotency-Key`, so a
   * retry after an ambiguous failure (timeout, network error) does not create a second
   * inquiry. Derive it from our own ids and the attempt (e.g. `kyc:<applicationId>:<n>`),
   * not from the reference id alone — Persona keeps keys for a limited time only.
   */
  createInquiry(input: {
    referenceId: string;
    redirectUrl: string;
    name?: { first: string; last: string };
    idempotencyKey?: string;
    signal?: AbortSignal;
  }): Promise<{ inquiryId: string; hostedUrl: string }>;
  getInquiry(inquiryId: string, signal?: AbortSignal): Promise<KycResult>;
  /**
   * Verifies Persona-Signature (`t=…,v1=…`; two space-separated pairs during secret
   * rotation — accepted if any pair matches any configured secret; `t` more than 5 minutes
   * from `now` is rejected) and parses the event. Throws a permanent PartnerError on a
   * missing, malformed, wrong or stale signature, on a body that is not a Persona event,
   * and (code `UNSUPPORTED_EVENT`) on a correctly signed event that is not about an
   * inquiry — acknowledge those with 200 and ignore them.
   */
  verifyWebhook(rawBody: string, signatureHeader: string | null, now?: Date): KycEvent;
}
