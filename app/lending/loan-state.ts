/**
 * The loan's state machine, and the application status that follows it. Pure: every write that
 * moves a loan asks `loanTransition` first, and refuses what the table does not allow.
 *
 *   pending_funding ──funded──▶ funded
 *          │  ▲
 *          │  └──rerouted── lender_declined ──canceled──▶ canceled
 *          ├──lender_declined──▶ lender_declined
 *          └──canceled──▶ canceled        (only before funding)
 *
 *   awaiting_completion ──released──▶ pending_funding     (funding on completion, ADR 050)
 *          ├──canceled──▶ canceled
 *          └──lender_declined──▶ lender_declined
 *
 * Under `on_completion` the loan row opens `awaiting_completion` (the lender books it; a
 * progress payment's first part may be paid); the borrower's release (or the 7-day timer, or
 * FlowOps after a dispute) moves it to `pending_funding`, and the rest is disbursed as usual.
 *
 * The application follows: a loan row exists → `pending_funding` (from `offer_accepted`), the
 * loan funded → `funded`, the loan canceled → `canceled`, the lender refused it →
 * `lender_declined` (ADR 032). A reroute sends the application back to `approved` (the borrower
 * signs again, with the new creditor), so it is not a "follow" transition.
 */
import type { ApplicationStatus } from "~/db/schema/applications";
import type { loanStatuses } from "~/db/schema/lending";

export type LoanStatus = (typeof loanStatuses)[number];
export type LoanEvent = "funded" | "canceled" | "lender_declined" | "rerouted" | "released";

const transitions: Record<LoanStatus, Partial<Record<LoanEvent, LoanStatus>>> = {
  pending_funding: { funded: "funded", canceled: "canceled", lender_declined: "lender_declined" },
  funded: {},
  canceled: {},
  lender_declined: { rerouted: "pending_funding", canceled: "canceled" },
  awaiting_completion: {
    released: "pending_funding",
    canceled: "canceled",
    lender_declined: "lender_declined",
  },
};

/** What the application's status becomes when its loan reaches a status. */
export const applicationStatusFor: Record<LoanStatus, ApplicationStatus> = {
  pending_funding: "pending_funding",
  funded: "funded",
  canceled: "canceled",
  lender_declined: "lender_declined",
  awaiting_completion: "awaiting_completion",
};

/** Application statuses from which each loan status may be reached (anything else is a bug or a race). */
const applicationFrom: Record<LoanStatus, readonly ApplicationStatus[]> = {
  pending_funding: ["offer_accepted", "pending_funding", "awaiting_completion"],
  funded: ["pending_funding"],
  canceled: ["offer_accepted", "pending_funding", "lender_declined", "awaiting_completion"],
  lender_declined: ["pending_funding", "awaiting_completion"],
  awaiting_completion: ["offer_accepted", "awaiting_completion"],
};

export class IllegalTransitionError extends Error {
  override name = "IllegalTransitionError";
  /** Retrying cannot make an illegal transition legal: the job goes to the dead letters. */
  readonly permanent = true;
}

export type Transition =
  | { kind: "move"; to: LoanStatus }
  /** Already there (a replayed event, a retried job): nothing to write. */
  | { kind: "already"; to: LoanStatus };

/**
 * The loan's next status for `event`. The same event applied twice is `already` (idempotent);
 * anything the table does not allow throws IllegalTransitionError.
 */
export function loanTransition(from: LoanStatus, event: LoanEvent): Transition {
  const target = transitions[from][event];
  if (target) return { kind: "move", to: target };
  if (from === event) return { kind: "already", to: from };
  throw new IllegalTransitionError(`A ${from} loan cannot become ${event}`);
}

/** True when the application may follow its loan to `to` from `current`. */
export function applicationMayFollow(current: ApplicationStatus, to: LoanStatus): boolean {
  return current === applicationStatusFor[to] || applicationFrom[to].includes(current);
}

/** Statuses a loan never leaves. */
export function isFinal(status: LoanStatus): boolean {
  return Object.keys(transitions[status]).length === 0;
}
