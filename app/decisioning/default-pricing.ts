import type { PricingTable } from "./pricing";

/**
 * Pricing v1, seeded when no pricing version is published. Tier thresholds are on the
 * FlowPay score's 0–460 scale (a 780 bureau score with $5,000+ income, a healthy account
 * and verified identity scores about 430).
 */
export const defaultPricingTable: PricingTable = {
  tiers: [
    {
      name: "A",
      minScore: 390,
      minAmountCents: 50_000,
      maxAmountCents: 2_500_000,
      originationFeeRate: "1.000",
      terms: [
        { months: 12, noteRate: "7.990" },
        { months: 24, noteRate: "8.990" },
        { months: 36, noteRate: "9.990" },
      ],
    },
    {
      name: "B",
      minScore: 350,
      minAmountCents: 50_000,
      maxAmountCents: 1_500_000,
      originationFeeRate: "2.000",
      terms: [
        { months: 24, noteRate: "12.990" },
        { months: 36, noteRate: "13.990" },
        { months: 48, noteRate: "14.990" },
        { months: 60, noteRate: "15.990" },
      ],
    },
    {
      name: "C",
      minScore: 310,
      minAmountCents: 50_000,
      maxAmountCents: 750_000,
      originationFeeRate: "3.000",
      terms: [
        { months: 24, noteRate: "19.990" },
        { months: 36, noteRate: "20.990" },
        { months: 48, noteRate: "21.990" },
        { months: 60, noteRate: "22.990" },
      ],
    },
  ],
  maxOffers: 3,
  minMonthlyPaymentCents: 2_500,
  maxPaymentToIncomePct: "15.000",
  aprCapPercent: "36.000",
  lateCharge: { graceDays: 15, feeCents: 1_500 },
  merchantPlans: {
    standard: { promotional: null },
    promo_0apr_12: {
      promotional: {
        termMonths: 12,
        additionalMerchantFeeBps: 600,
        tiers: ["A", "B"],
        maxAmountCents: 1_500_000,
      },
    },
  },
};
