/**
 * An amount change within an approval (docs/product/merchants-and-money.md, "Money after the
 * signature"; ADR 054): the same decision's tier and pricing version price the new amount again
 * with the engine's own code (generateOffers: the Truth-in-Lending figures, APR and schedule of
 * money.ts/apr.ts), and the result is written as a new approved decision whose snapshot says what
 * it re-priced — decisions are immutable, and the borrower's offers are always the latest
 * approval's (offers.server.ts). Decisioning writes decisions (ADR 036); lending calls this.
 */
import type { Database, Tx } from "~/db/client";
import type { decisions } from "~/db/schema/index";
import type { DecisionSnapshot } from "./engine";
import { insertApproval } from "./offers.server";
import { offerSetRuleFor } from "./offer-set";
import { generateOffers, type MerchantTerms, type Offer } from "./pricing";
import { getPricingByVersion } from "./pricing-rules.server";

type Decision = typeof decisions.$inferSelect;

export type Repriced =
  /** Within the approved maximum and affordable: these offers replace the signed one. */
  | { kind: "offers"; offers: Offer[]; maxApprovedCents: number }
  /** Above the approved maximum, or no term is affordable at the new amount: decide again. */
  | { kind: "needs_decision"; reason: "above_approved_maximum" | "no_affordable_offer" };

/**
 * Prices `amountCents` under `decision` (its tier and pricing version). The approved maximum is
 * the lower of the tier's and the merchant's maximum amount.
 */
export async function repriceDecision(
  database: Database,
  decision: Decision,
  amountCents: number,
  fallback: { monthlyIncomeCents: number | null; merchant: MerchantTerms },
): Promise<Repriced> {
  const pricing = await getPricingByVersion(database, decision.pricingVersion);
  const tier = pricing?.table.tiers.find((t) => t.name === decision.tier);
  if (!pricing || !tier) return { kind: "needs_decision", reason: "above_approved_maximum" };
  const snapshot = decision.snapshot as Partial<DecisionSnapshot>;
  const merchant = snapshot.inputs?.merchant ?? fallback.merchant;
  const maxApprovedCents = Math.min(tier.maxAmountCents, merchant.maxAmountCents);
  if (amountCents > maxApprovedCents) {
    return { kind: "needs_decision", reason: "above_approved_maximum" };
  }
  const generation = generateOffers({
    table: pricing.table,
    tier,
    amountCents,
    monthlyIncomeCents:
      snapshot.inputs?.application.monthlyIncomeCents ?? fallback.monthlyIncomeCents,
    merchant,
    rule: offerSetRuleFor(decision.engineVersion),
  });
  if (generation.blockedBy === "amount_outside_limits") {
    return { kind: "needs_decision", reason: "above_approved_maximum" };
  }
  if (generation.offers.length === 0) {
    return { kind: "needs_decision", reason: "no_affordable_offer" };
  }
  return { kind: "offers", offers: generation.offers, maxApprovedCents };
}

/** The re-priced approval: a new decision (same score, tier, versions) and its offers. */
export async function recordRepricedDecision(
  tx: Tx,
  args: {
    applicationId: string;
    from: Decision;
    fromAmountCents: number;
    amountCents: number;
    offers: readonly Offer[];
    now: Date;
  },
) {
  return insertApproval(
    tx,
    {
      score: args.from.score,
      tier: args.from.tier,
      ruleSetVersion: args.from.ruleSetVersion,
      pricingVersion: args.from.pricingVersion,
      engineVersion: args.from.engineVersion,
      snapshot: {
        ...args.from.snapshot,
        repricing: {
          reason: "amount_change",
          from_decision_id: args.from.id,
          from_amount_cents: args.fromAmountCents,
          amount_cents: args.amountCents,
          offers: args.offers.length,
        },
      },
      decidedBy: args.from.decidedBy,
    },
    args,
  );
}
