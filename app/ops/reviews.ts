import type { DecisionInputs } from "~/app/decisioning/inputs";
import type { Offer, OfferGeneration } from "~/app/decisioning/pricing";
import { reasonCatalogue, reasonSpec } from "~/app/decisioning/reasons";
import type { ConditionChoice } from "~/app/lending/conditions";
import type { ScoreBreakdown } from "~/app/decisioning/score";
import { dollarsToCents } from "~/app/money/dollars";

/**
 * Manual review, the pure part: the resolution forms, offer keys, dollars → cents, the reasons
 * an underwriter may give for a decline, and the snapshot an underwriter's decision stores.
 */

/** The snapshot of a decision made by an underwriter (decisions.decided_by is set). */
export type UnderwriterSnapshot = {
  snapshotVersion: 1;
  kind: "underwriter";
  applicationId: string;
  manualReviewId: string;
  /** The engine's decision that sent the application to review. */
  basedOnDecisionId: string;
  decidedBy: string;
  resolution: "approved" | "declined";
  notes: string;
  engineVersion: string;
  ruleSet: { id: string; version: number };
  pricing: { id: string; version: number };
  /** The reviewed decision's inputs, as it stored them (the credit report is the notice's source). */
  inputs: DecisionInputs;
  score: ScoreBreakdown | null;
  tier: string | null;
  conditions: Conditions | null;
  /** Set when the offers were priced again (a tier chosen, or a down payment): what was priced. */
  repriced: { tier: string; amountCents: number } | null;
  /** The offers made (approved), in full — the offers table holds the same terms. */
  offers: Offer[];
  /** Decline reason codes, most important first (declined). */
  declineReasons: string[];
};

export type Conditions = {
  /** Required down payment, in cents; the offers finance the amount less this. */
  downPaymentCents: number | null;
  /** Any other condition, in the underwriter's words. */
  note: string | null;
  /** Documents the borrower must send before funding (loan_conditions rows, ADR 035). */
  items?: ConditionChoice[];
};

export class ReviewInputError extends Error {
  override name = "ReviewInputError";
}

/**
 * An optional dollar field of a review form ("500", "$1,250.50") → integer cents (money's one
 * dollarsToCents). Empty → null. Throws ReviewInputError for anything else.
 */
export function optionalDollarsField(input: string | null | undefined): number | null {
  if ((input ?? "").trim() === "") return null;
  const cents = dollarsToCents(input);
  if (cents === null)
    throw new ReviewInputError("Enter an amount in dollars, like 500 or 1,250.50");
  return cents;
}

/**
 * Offer keys in the approval form: a stored offer of the reviewed decision ("offer:<id>"), or a
 * term priced again ("term:standard:24", "term:promotional:12").
 */
export const storedOfferKey = (id: string) => `offer:${id}`;
export const termKey = (offer: Pick<Offer, "kind" | "termMonths">) =>
  `term:${offer.kind}:${offer.termMonths}`;

export function parseOfferKey(
  key: string,
): { kind: "stored"; id: string } | { kind: "term"; term: string } | null {
  let match = /^offer:(off_[0-9a-z]{10,40})$/.exec(key);
  if (match) return { kind: "stored", id: match[1]! };
  match = /^term:((?:standard|promotional):\d{1,3})$/.exec(key);
  if (match) return { kind: "term", term: match[1]! };
  return null;
}

/** The offers of a pricing run that the underwriter ticked, in the run's order. */
export function pickTerms(generation: OfferGeneration, keys: readonly string[]): Offer[] {
  const wanted = new Set(keys);
  const picked = generation.offers.filter((offer) => wanted.has(termKey(offer)));
  const missing = keys.filter((key) => !generation.offers.some((o) => termKey(o) === key));
  if (missing.length > 0) {
    throw new ReviewInputError(
      "Some chosen plans are not available at these terms any more; price the offers again and choose again.",
    );
  }
  return picked;
}

/** Decline reasons an underwriter may give: the catalogue's decline codes with consumer wording. */
export const declineReasonOptions = Object.entries(reasonCatalogue)
  .filter(([, spec]) => spec.kind === "decline" && "consumer" in spec && Boolean(spec.consumer))
  .map(([code, spec]) => ({
    code,
    ops: spec.ops,
    consumer: (spec as { consumer: string }).consumer,
  }));

export const maxDeclineReasons = 4;
export const notesMinLength = 5;

export type ApproveForm = {
  offerKeys: string[];
  /** Present when the offers on screen were priced again (tier and/or down payment). */
  pricing: { tier: string | null; downPaymentCents: number } | null;
  conditionNote: string | null;
  /** Funding conditions: documents the borrower must send before the loan is paid out. */
  conditions: ConditionChoice[];
  notes: string;
};

/** `justification` is needed for reasons the decision's evidence does not support (ADR 036). */
export type DeclineForm = { reasonCodes: string[]; notes: string; justification: string | null };

/** What an underwriter reads for a reason code (the code itself when unknown). */
export const reasonText = (code: string) =>
  // A borrower's "there is a problem" on the release link (app/lending/release.server.ts, ADR 050).
  code === "release_dispute"
    ? "The borrower reported a problem with the job — payment on hold"
    : (reasonSpec(code)?.ops ?? code);

/** The queue's SLA targets, hours from entering the queue (REVIEW_SLA_HOURS, ADR 075). */
export type ReviewSla = { normalHours: number; highHours: number };

const hourMs = 3_600_000;

/** When a review is due: its time in the queue plus its priority's SLA. */
export function reviewDueAt(review: { priority: number; createdAt: Date }, sla: ReviewSla) {
  const hours = review.priority === 1 ? sla.highHours : sla.normalHours;
  return new Date(review.createdAt.getTime() + hours * hourMs);
}

/**
 * The queue's order (ADR 075): the earliest due first — a high-priority review's shorter SLA puts
 * it ahead of older normal ones, until they near their own; a larger amount first at the same
 * due time (more is at stake for the merchant and the borrower). Each priority's reviews arrive
 * in created_at order from the index, so this merges sorted lists of a page each.
 */
export function queueOrder<
  T extends { id: string; priority: number; createdAt: Date; amountCents: number },
>(items: readonly T[], sla: ReviewSla, limit: number): (T & { dueAt: Date })[] {
  return items
    .map((item) => ({ ...item, dueAt: reviewDueAt(item, sla) }))
    .sort(
      (a, b) =>
        a.dueAt.getTime() - b.dueAt.getTime() ||
        b.amountCents - a.amountCents ||
        a.priority - b.priority ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, limit);
}

/**
 * Where a page of the queue ended (ADR 089): its last row's place in queueOrder — due time,
 * amount, priority, id. The next page reads each priority's index from that due time on.
 */
export type QueueCursor = { dueAt: number; amountCents: number; priority: number; id: string };

export function encodeQueueCursor(cursor: QueueCursor): string {
  return `${cursor.dueAt}.${cursor.amountCents}.${cursor.priority}.${cursor.id}`;
}

/** A malformed cursor is null: the link then opens the queue's first page. */
export function decodeQueueCursor(value: string | null | undefined): QueueCursor | null {
  const match = /^(\d{1,15})\.(\d{1,15})\.([12])\.([a-z]{2,4}_[0-9a-z]{10,40})$/.exec(value ?? "");
  if (!match) return null;
  return {
    dueAt: Number(match[1]),
    amountCents: Number(match[2]),
    priority: Number(match[3]),
    id: match[4]!,
  };
}

/**
 * A count read no further than `cap` rows (ADR 089): the queue's header costs the same with 50
 * open reviews or 50,000; past the cap it says "1,000+". Exact below it.
 */
export type CappedCount = { n: number; more: boolean };
export const queueCountCap = 1000;

export function cappedCount(counted: number, cap = queueCountCap): CappedCount {
  return counted > cap ? { n: cap, more: true } : { n: counted, more: false };
}

export function formatCount(count: CappedCount): string {
  return `${count.n.toLocaleString("en-US")}${count.more ? "+" : ""}`;
}

/** "Overdue by 3 h 10 min" / "Due in 2 h": the timer a queue row shows (whole minutes). */
export function slaTimer(dueAt: Date, now: Date, format: (ms: number) => string) {
  const ms = dueAt.getTime() - now.getTime();
  const minutes = Math.floor(Math.abs(ms) / 60_000) * 60_000;
  const span = format(Math.max(minutes, 60_000));
  return ms < 0
    ? { overdue: true, text: `Overdue by ${span}` }
    : { overdue: false, text: `Due in ${span}` };
}
