/**
 * A counter-offer's decisions, written by decisioning (decisions are decisioning's rows; FlowOps
 * calls these inside its own transaction, as for any underwriter decision — ADR 036, ADR 077).
 *
 * - Making it is an approval: a new `approved` decision whose offers are priced by the real offer
 *   rules (generateOffers) for the lower amount and/or other tier. Because a counter-offer is a
 *   refusal of the terms asked for, its reasons must be ones the reviewed decision's evidence
 *   supports (no second-operator route here: the underwriter declines instead).
 * - The borrower declining it is adverse action (Regulation B §1002.9(a)(1)(iv)); the decline
 *   decision and its notice carry exactly the counter-offer's reasons.
 */
import { and, eq } from "drizzle-orm";
import type { Tx } from "~/db/client";
import { counterOffers, offers as offersTable } from "~/db/schema/index";
import type { Offer } from "./pricing";
import {
  checkDeclineReasons,
  recordUnderwriterApproval,
  recordUnderwriterDecline,
  type ReviewedDecision,
} from "./underwriter.server";

export type CounterOfferTerms = {
  requestedAmountCents: number;
  amountCents: number;
  tier: string;
  reasonCodes: readonly string[];
};

/** The counter-offer: an approved decision with `offers`, its snapshot saying what it counters. */
export async function recordCounterOffer(
  tx: Tx,
  args: ReviewedDecision & {
    terms: CounterOfferTerms;
    snapshot: { tier: string | null; engineVersion: string; pricing: { version: number } } & Record<
      string,
      unknown
    >;
    offers: readonly Offer[];
    now: Date;
  },
) {
  if (args.offers.length === 0) throw new Error("A counter-offer needs at least one offer");
  if (args.terms.reasonCodes.length === 0) throw new Error("A counter-offer needs its reasons");
  // Throws UnsupportedReasonError for a reason the evidence does not support.
  checkDeclineReasons({
    reasonCodes: args.terms.reasonCodes,
    evidence: args.evidence,
    decidedBy: args.decidedBy,
    secondApproval: null,
  });
  return recordUnderwriterApproval(tx, {
    applicationId: args.applicationId,
    reviewed: args.reviewed,
    decidedBy: args.decidedBy,
    // The snapshot says what it counters: the amount asked, the amount offered, the reasons.
    snapshot: { ...args.snapshot, counterOffer: { ...args.terms } } as typeof args.snapshot,
    offers: args.offers,
    now: args.now,
  });
}

/**
 * The borrower declined the counter-offer: a declined decision by the underwriter who made it,
 * with its reasons, and the adverse action notice (its delivery job commits with it, ADR 016).
 */
export async function recordCounterOfferDeclined(
  tx: Tx,
  args: Omit<ReviewedDecision, "decidedBy"> & {
    counterOfferId: string;
    counterDecisionId: string;
    offeredBy: string;
    reasonCodes: readonly string[];
    now: Date;
  },
) {
  return recordUnderwriterDecline(tx, {
    applicationId: args.applicationId,
    reviewed: args.reviewed,
    evidence: args.evidence,
    decidedBy: args.offeredBy,
    reasonCodes: args.reasonCodes,
    secondApproval: null,
    snapshot: {
      snapshotVersion: 1,
      kind: "counter_offer_declined",
      applicationId: args.applicationId,
      counterOfferId: args.counterOfferId,
      counterDecisionId: args.counterDecisionId,
      basedOnDecisionId: args.reviewed.id,
      decidedBy: args.offeredBy,
      resolution: "declined",
      inputs: args.evidence.inputs,
      score: args.evidence.result.score ?? null,
    },
    now: args.now,
  });
}

/**
 * Signing one of a counter-offer's offers accepts it (in the signature's transaction; by the
 * application's index, then the offer's decision).
 */
export async function markCounterOfferAccepted(
  tx: Tx,
  args: { applicationId: string; offerId: string; now: Date },
) {
  const offer = await tx
    .select({ decisionId: offersTable.decisionId })
    .from(offersTable)
    .where(eq(offersTable.id, args.offerId))
    .get();
  if (!offer) return;
  await tx
    .update(counterOffers)
    .set({ status: "accepted", respondedAt: args.now, updatedAt: args.now })
    .where(
      and(
        eq(counterOffers.applicationId, args.applicationId),
        eq(counterOffers.decisionId, offer.decisionId),
        eq(counterOffers.status, "offered"),
      ),
    );
}
