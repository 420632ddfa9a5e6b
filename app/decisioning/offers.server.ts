import type { Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { decisions, offers as offersTable } from "~/db/schema/index";
import { offerRow } from "./offer-rows";
import type { Offer } from "./pricing";

/**
 * Stores a decision's priced offers (none is fine) in `tx` and returns their new ids, in the
 * offers' order. One write for every decision that carries offers — an underwriter's approval
 * and a re-pricing after an amount change — so they are stored alike.
 */
export async function insertDecisionOffers(
  tx: Tx,
  offers: readonly Offer[],
  ids: { decisionId: string; applicationId: string },
  at: Date,
): Promise<string[]> {
  const offerIds = offers.map(() => newId("off"));
  if (offers.length > 0) {
    await tx
      .insert(offersTable)
      .values(offers.map((offer, i) => offerRow(offer, { id: offerIds[i]!, ...ids }, at)));
  }
  return offerIds;
}

/** What an approval after the engine's carries over: score, tier, versions, snapshot, who. */
type ApprovalRow = Pick<
  typeof decisions.$inferInsert,
  | "score"
  | "tier"
  | "ruleSetVersion"
  | "pricingVersion"
  | "engineVersion"
  | "snapshot"
  | "decidedBy"
>;

/**
 * A new approved decision and the offers it extends, in the caller's transaction — the one
 * write of an approval made after the engine's (an underwriter's, a counter-offer, a re-pricing
 * after an amount change), so all are stored alike.
 */
export async function insertApproval(
  tx: Tx,
  row: ApprovalRow,
  args: { applicationId: string; offers: readonly Offer[]; now: Date },
) {
  const decisionId = newId("dec");
  await tx.insert(decisions).values({
    ...row,
    id: decisionId,
    applicationId: args.applicationId,
    status: "approved",
    decidedAt: args.now,
  });
  const offerIds = await insertDecisionOffers(
    tx,
    args.offers,
    { decisionId, applicationId: args.applicationId },
    args.now,
  );
  return { decisionId, offerIds };
}
