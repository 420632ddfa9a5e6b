import type { Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { offers as offersTable } from "~/db/schema/index";
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
