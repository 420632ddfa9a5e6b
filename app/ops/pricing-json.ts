import { LoanTermsError } from "~/app/decisioning/money";
import { generateOffers, pricingTableSchema, type PricingTable } from "~/app/decisioning/pricing";

/**
 * A pricing table described for display (the published version and the draft as tables on the
 * pricing page). Editing is the form of pricing-form.ts (issue 18); validation is the code that
 * guards publishing (validatePricingTable). Pure.
 */
export type TermView = { months: number; noteRate: string; apr: string | null };
export type TierView = {
  name: string;
  minScore: number;
  minAmountCents: number;
  maxAmountCents: number;
  originationFeeRate: string;
  /** The amount the APRs are shown for (the reference amount, within the tier's limits). */
  aprAmountCents: number;
  terms: TermView[];
};

export type PricingView = {
  tiers: TierView[];
  maxOffers: number;
  minMonthlyPaymentCents: number;
  maxPaymentToIncomePct: string;
  aprCapPercent: string;
  lateCharge: { graceDays: number; feeCents: number };
  plans: {
    name: string;
    promotional: {
      termMonths: number;
      additionalMerchantFeeBps: number;
      tiers: string[];
      maxAmountCents: number;
    } | null;
  }[];
};

/**
 * A table for display, with each term's APR (origination fee included) at a reference amount
 * clamped to the tier's limits; null when the table does not match the schema.
 */
export function describePricing(
  table: unknown,
  referenceAmountCents = 800_000,
): PricingView | null {
  const parsed = pricingTableSchema.safeParse(table);
  if (!parsed.success) return null;
  const value: PricingTable = parsed.data;
  // Every term, whatever its payment or APR: this is a description, not an offer.
  const permissive: PricingTable = {
    ...value,
    maxOffers: Number.MAX_SAFE_INTEGER,
    minMonthlyPaymentCents: 0,
    aprCapPercent: "100000.000",
  };
  return {
    tiers: value.tiers.map((tier) => {
      const amount = Math.min(
        Math.max(referenceAmountCents, tier.minAmountCents),
        tier.maxAmountCents,
      );
      const aprs = new Map<number, string>();
      try {
        const generated = generateOffers({
          table: permissive,
          tier,
          amountCents: amount,
          monthlyIncomeCents: null,
          merchant: {
            pricingPlan: "\u0000none",
            merchantFeeBps: 0,
            minAmountCents: 0,
            maxAmountCents: Number.MAX_SAFE_INTEGER,
          },
        });
        for (const offer of generated.offers) aprs.set(offer.termMonths, offer.apr);
      } catch (error) {
        if (!(error instanceof LoanTermsError)) throw error;
      }
      return {
        name: tier.name,
        minScore: tier.minScore,
        minAmountCents: tier.minAmountCents,
        maxAmountCents: tier.maxAmountCents,
        originationFeeRate: tier.originationFeeRate,
        aprAmountCents: amount,
        terms: tier.terms.map((term) => ({
          months: term.months,
          noteRate: term.noteRate,
          apr: aprs.get(term.months) ?? null,
        })),
      };
    }),
    maxOffers: value.maxOffers,
    minMonthlyPaymentCents: value.minMonthlyPaymentCents,
    maxPaymentToIncomePct: value.maxPaymentToIncomePct,
    aprCapPercent: value.aprCapPercent,
    lateCharge: value.lateCharge,
    plans: Object.entries(value.merchantPlans).map(([name, plan]) => ({
      name,
      promotional: plan.promotional,
    })),
  };
}
