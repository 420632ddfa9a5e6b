import type { ApplicationStatus } from "~/db/schema/applications";

/**
 * The event types of docs/product/merchants-and-money.md ("Outbound webhooks"). Those of an
 * application's status are written by database triggers (migration 0022, ADR 063) in the
 * transaction that changes the status; the others are emitted with emitMerchantEvent.
 */
export const merchantEventTypes = [
  "application.created",
  "application.submitted",
  "application.approved",
  "application.declined",
  "application.manual_review",
  "application.offer_accepted",
  "application.canceled",
  "application.expired",
  "loan.pending_funding",
  "loan.awaiting_completion",
  "loan.funded",
  "loan.lender_declined",
  "loan.refunded",
  "prequalification.completed",
] as const;
export type MerchantEventType = (typeof merchantEventTypes)[number];

/**
 * The event a stored status change is (the migration's trigger says the same in SQL; the
 * triggers test checks both). Statuses without an event (link_sent, in_progress, the refund
 * ones: a refund is `loan.refunded`, emitted per refund) map to null.
 */
export const eventOfStatus: Partial<Record<ApplicationStatus, MerchantEventType>> = {
  submitted: "application.submitted",
  approved: "application.approved",
  declined: "application.declined",
  manual_review: "application.manual_review",
  offer_accepted: "application.offer_accepted",
  canceled: "application.canceled",
  expired: "application.expired",
  pending_funding: "loan.pending_funding",
  awaiting_completion: "loan.awaiting_completion",
  funded: "loan.funded",
  lender_declined: "loan.lender_declined",
};

/** What an endpoint may subscribe to: an event type, "<prefix>.*" or "*". */
export const eventPatterns: readonly string[] = [
  "*",
  ...new Set(merchantEventTypes.map((type) => `${type.split(".")[0]}.*`)),
  ...merchantEventTypes,
];

/** Whether `pattern` (as stored on an endpoint) selects `type` — the fan-out trigger's rule. */
export function patternMatches(pattern: string, type: string) {
  if (pattern === "*" || pattern === type) return true;
  return pattern.endsWith(".*") && type.startsWith(pattern.slice(0, -1));
}
