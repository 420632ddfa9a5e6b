import { buildAdverseAction, type AdverseAction } from "~/app/decisioning/adverse-action";
import { evaluate, type LoadedPricing, type LoadedRuleSet } from "~/app/decisioning/engine";
import type { DecisionInputs } from "~/app/decisioning/inputs";
import { generateOffers, type Offer, type PricingTier } from "~/app/decisioning/pricing";

/**
 * Prequalification (docs/product/merchants-and-money.md, "Prequalification"; ADR 066): the
 * same engine, rules and pricing as a decision, asked a different question — not "these terms
 * for this amount?" but "up to how much, roughly?". Pure: a function of the inputs (the soft
 * pull's report among them), the rule set and the pricing.
 *
 * - Any decline rule that fires means "not prequalified", with the adverse action notice's
 *   reasons built exactly as for a declined application (buildAdverseAction).
 * - Review rules (no bank link, no identity check yet, a thin file…) do not stop a
 *   prequalification: those steps come in the application, and a prequalification is not a
 *   commitment to lend.
 * - A score below every pricing tier cannot be priced: not prequalified, the score's key
 *   factors as reasons (as the credit-score floor rule gives them).
 * - The maximum is the largest amount, in whole dollars, within the tier's and the merchant's
 *   limits that still gets an offer (the payment limit against the stated income applies).
 */
export const PREQUALIFICATION_VALID_DAYS = 30;

export type SamplePayment = {
  amountCents: number;
  termMonths: number;
  apr: string;
  monthlyPaymentCents: number;
  promotional: boolean;
};

export type PrequalificationOutcome =
  | {
      kind: "prequalified";
      tier: string;
      score: number;
      maxAmountCents: number;
      samples: SamplePayment[];
    }
  | { kind: "not_prequalified"; score: number | null; adverseAction: AdverseAction }
  /** No report (the bureau failed): nothing decided, the borrower may try again. */
  | { kind: "unavailable" };

export type PrequalificationInputs = Omit<DecisionInputs, "application"> & {
  application: Omit<DecisionInputs["application"], "amountCents">;
};

export function prequalify(
  inputs: PrequalificationInputs,
  ruleSet: LoadedRuleSet,
  pricing: LoadedPricing,
): PrequalificationOutcome {
  if (inputs.credit.status !== "ok") return { kind: "unavailable" };
  const { merchant } = inputs;
  // Evaluated at the merchant's largest amount: the rules that look at the amount see the most.
  const result = evaluate(
    { ...inputs, application: { ...inputs.application, amountCents: merchant.maxAmountCents } },
    ruleSet,
    pricing,
  );
  const score = result.score.total;
  if (result.status === "declined" && result.adverseAction) {
    return { kind: "not_prequalified", score, adverseAction: result.adverseAction };
  }
  const tier = pricing.table.tiers.find((candidate) => candidate.name === result.tier);
  if (!tier) {
    return {
      kind: "not_prequalified",
      score,
      adverseAction: buildAdverseAction(["credit_score_below_floor"], inputs.credit),
    };
  }
  const offersAt = (amountCents: number) =>
    generateOffers({
      table: pricing.table,
      tier,
      amountCents,
      monthlyIncomeCents: inputs.application.monthlyIncomeCents,
      merchant,
    }).offers;
  const max = largestAmountWithOffers(tier, merchant, offersAt);
  if (max === null) {
    return {
      kind: "not_prequalified",
      score,
      adverseAction: buildAdverseAction(["excessive_obligations"], inputs.credit),
    };
  }
  const sample = (amountCents: number) => (offer: Offer) => ({
    amountCents,
    termMonths: offer.termMonths,
    apr: offer.apr,
    monthlyPaymentCents: offer.paymentCents,
    promotional: offer.kind === "promotional",
  });
  // Every offer at the maximum, and the lowest payment at a half and a fifth of it (whole
  // hundreds of dollars): what a smaller job would cost too.
  const smaller = [2, 5]
    .map((divisor) => Math.floor(max.amountCents / divisor / 10_000) * 10_000)
    .filter((amount, index, all) => amount > 0 && all.indexOf(amount) === index)
    .flatMap((amount) => {
      const cheapest = [...offersAt(amount)].sort((a, b) => a.paymentCents - b.paymentCents)[0];
      return cheapest ? [sample(amount)(cheapest)] : [];
    });
  return {
    kind: "prequalified",
    tier: tier.name,
    score,
    maxAmountCents: max.amountCents,
    samples: [...max.offers.map(sample(max.amountCents)), ...smaller],
  };
}

/**
 * The largest whole-dollar amount in [low, high] with offers: offers get harder to make as the
 * amount grows (the payment limit), so a binary search finds the edge.
 */
function largestAmountWithOffers(
  tier: PricingTier,
  merchant: PrequalificationInputs["merchant"],
  offersAt: (amountCents: number) => Offer[],
): { amountCents: number; offers: Offer[] } | null {
  const high = Math.floor(Math.min(tier.maxAmountCents, merchant.maxAmountCents) / 100);
  const low = Math.ceil(Math.max(tier.minAmountCents, merchant.minAmountCents) / 100);
  if (high < low) return null;
  const top = offersAt(high * 100);
  if (top.length > 0) return { amountCents: high * 100, offers: top };
  let found: { amountCents: number; offers: Offer[] } | null = null;
  let [lo, hi] = [low, high - 1];
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const offers = offersAt(mid * 100);
    if (offers.length > 0) {
      found = { amountCents: mid * 100, offers };
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Valid for 30 days from the pull (the product's promise to the borrower). */
export function validUntil(pulledAt: Date): Date {
  return new Date(pulledAt.getTime() + PREQUALIFICATION_VALID_DAYS * 24 * 60 * 60 * 1000);
}

/**
 * The status the merchant sees (GET /prequalifications/{id}): `expired` once the link ran out
 * before a result, or the result's 30 days are over.
 */
export function prequalificationStatus(
  row: { status: string; linkExpiresAt: Date; validUntil: Date | null },
  now = new Date(),
): "link_sent" | "in_progress" | "prequalified" | "not_prequalified" | "expired" {
  if (row.status === "link_sent" || row.status === "in_progress") {
    return row.linkExpiresAt.getTime() <= now.getTime()
      ? "expired"
      : (row.status as "link_sent" | "in_progress");
  }
  if (row.status === "prequalified") {
    return row.validUntil && row.validUntil.getTime() > now.getTime() ? "prequalified" : "expired";
  }
  return "not_prequalified";
}
