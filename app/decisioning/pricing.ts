import { z } from "zod";
import { Decimal, isRate, parseRate } from "./decimal";
import { buildDisclosure, type Disclosure } from "./disclosure";
import {
  selectOfferSet,
  type Candidate,
  type ExclusionReason,
  type OfferSetRule,
} from "./offer-set";
import {
  amortize,
  basisPointsOfCents,
  LoanTermsError,
  percentOfCents,
  type ScheduleRow,
} from "./money";

/**
 * Pricing: tiers from score thresholds, each with its terms and note rates, origination
 * fee rate and amount limits; merchant plans that add a 0 % promotional offer paid for by
 * a higher merchant fee. One JSON document per published version (pricing_rules.table).
 */
const rate = z
  .string()
  .refine(isRate, { message: 'must be an exact percentage string like "9.990"' });
const cents = z.number().int().min(0);

export const pricingTableSchema = z.object({
  tiers: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Z]$/, "tier names are single capital letters"),
        minScore: z.number().int().min(0).max(460),
        minAmountCents: cents,
        maxAmountCents: cents,
        originationFeeRate: rate,
        terms: z
          .array(z.object({ months: z.number().int().min(3).max(120), noteRate: rate }))
          .min(1),
      }),
    )
    .min(1),
  maxOffers: z.number().int().min(2).max(3),
  minMonthlyPaymentCents: cents,
  /** A payment above this share of monthly income is not offered. */
  maxPaymentToIncomePct: rate,
  /** No offer's APR may exceed this (36 %: the Military Lending Act's cap, applied to everyone). */
  aprCapPercent: rate,
  lateCharge: z.object({ graceDays: z.number().int().min(10).max(30), feeCents: cents }),
  merchantPlans: z.record(
    z.string(),
    z.object({
      promotional: z
        .object({
          termMonths: z.number().int().min(3).max(36),
          additionalMerchantFeeBps: z.number().int().min(1).max(5_000),
          tiers: z.array(z.string()).min(1),
          maxAmountCents: cents,
        })
        .nullable(),
    }),
  ),
});

export type PricingTable = z.infer<typeof pricingTableSchema>;
export type PricingTier = PricingTable["tiers"][number];

export type Offer = {
  kind: "standard" | "promotional";
  tier: string;
  termMonths: number;
  noteRate: string;
  apr: string;
  originationFeeRate: string;
  originationFeeCents: number;
  principalCents: number;
  amountFinancedCents: number;
  paymentCents: number;
  lastPaymentCents: number;
  totalOfPaymentsCents: number;
  financeChargeCents: number;
  merchantFeeBps: number;
  merchantFeeCents: number;
  /** Paid to the merchant: amount − merchant fee. */
  disbursementCents: number;
  disclosure: Disclosure;
  schedule: ScheduleRow[];
};

export type MerchantTerms = {
  pricingPlan: string;
  merchantFeeBps: number;
  minAmountCents: number;
  maxAmountCents: number;
};

export type ConsideredTerm = {
  kind: "standard" | "promotional";
  termMonths: number;
  offered: boolean;
  /** Why it was not offered. */
  excludedBecause?: ExclusionReason;
};

export type OfferGeneration = {
  offers: Offer[];
  considered: ConsideredTerm[];
  /** Set when no offer can be made (a manual-review reason code). */
  blockedBy: "amount_outside_limits" | "no_affordable_offer" | null;
};

/** Every problem that stops a pricing table from being published (empty when none). */
export function validatePricingTable(table: unknown): string[] {
  const parsed = pricingTableSchema.safeParse(table);
  if (!parsed.success) {
    return parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(table)"}: ${issue.message}`,
    );
  }
  const problems: string[] = [];
  const value = parsed.data;
  const names = new Set<string>();
  value.tiers.forEach((tier, index) => {
    if (names.has(tier.name)) problems.push(`tiers.${index}: tier "${tier.name}" appears twice`);
    names.add(tier.name);
    const previous = value.tiers[index - 1];
    if (previous && previous.minScore <= tier.minScore) {
      problems.push(`tiers.${index}: tiers must be listed from the highest minScore to the lowest`);
    }
    if (tier.minAmountCents <= 0 || tier.minAmountCents > tier.maxAmountCents) {
      problems.push(`tiers.${index}: minAmountCents must be positive and at most maxAmountCents`);
    }
    const months = new Set<number>();
    for (const term of tier.terms) {
      if (months.has(term.months))
        problems.push(`tiers.${index}: term ${term.months} appears twice`);
      months.add(term.months);
      if (parseRate(term.noteRate).gt(value.aprCapPercent)) {
        problems.push(`tiers.${index}: note rate ${term.noteRate} % is above the APR cap`);
        continue;
      }
      try {
        for (const amount of [tier.minAmountCents, tier.maxAmountCents]) {
          const offer = standardOffer(tier, term, {
            amountCents: amount,
            merchantFeeBps: 0,
            lateCharge: value.lateCharge,
          });
          if (parseRate(offer.apr).gt(value.aprCapPercent)) {
            problems.push(
              `tiers.${index}: ${term.months} months at ${term.noteRate} % with a ${tier.originationFeeRate} % fee gives an APR of ${offer.apr} %, above the ${value.aprCapPercent} % cap`,
            );
            break;
          }
        }
      } catch (error) {
        if (!(error instanceof LoanTermsError)) throw error;
        problems.push(`tiers.${index}: ${term.months} months: ${error.message}`);
      }
    }
  });
  for (const [plan, settings] of Object.entries(value.merchantPlans)) {
    for (const tier of settings.promotional?.tiers ?? []) {
      if (!names.has(tier)) problems.push(`merchantPlans.${plan}: unknown tier "${tier}"`);
    }
  }
  if (!value.merchantPlans.standard)
    problems.push(`merchantPlans: the "standard" plan is required`);
  return problems;
}

/** The highest tier whose threshold the score reaches, or null. */
export function selectTier(table: PricingTable, score: number): PricingTier | null {
  return table.tiers.find((tier) => score >= tier.minScore) ?? null;
}

/**
 * One of a tier's standard terms as an offer, at its note rate and the tier's origination fee:
 * what publishing checks against the APR cap and what the borrower is offered are built the
 * same way, so the check cannot drift from the offer.
 */
function standardOffer(
  tier: PricingTier,
  term: { months: number; noteRate: string },
  on: {
    amountCents: number;
    merchantFeeBps: number;
    lateCharge: { graceDays: number; feeCents: number };
  },
): Offer {
  return buildOffer({
    kind: "standard",
    tier,
    months: term.months,
    noteRate: term.noteRate,
    feeRate: tier.originationFeeRate,
    ...on,
  });
}

function buildOffer(args: {
  kind: Offer["kind"];
  tier: PricingTier;
  months: number;
  noteRate: string;
  feeRate: string;
  amountCents: number;
  merchantFeeBps: number;
  lateCharge: { graceDays: number; feeCents: number };
}): Offer {
  const fee = percentOfCents(args.amountCents, args.feeRate);
  const amortization = amortize(args.amountCents + fee, args.noteRate, args.months);
  const disclosure = buildDisclosure({
    amountCents: args.amountCents,
    originationFeeCents: fee,
    amortization,
    lateCharge: args.lateCharge,
  });
  const merchantFee = basisPointsOfCents(args.amountCents, args.merchantFeeBps);
  return {
    kind: args.kind,
    tier: args.tier.name,
    termMonths: args.months,
    noteRate: args.noteRate,
    apr: disclosure.annualPercentageRate,
    originationFeeRate: args.feeRate,
    originationFeeCents: fee,
    principalCents: amortization.principalCents,
    amountFinancedCents: disclosure.amountFinancedCents,
    paymentCents: amortization.paymentCents,
    lastPaymentCents: amortization.lastPaymentCents,
    totalOfPaymentsCents: amortization.totalOfPaymentsCents,
    financeChargeCents: disclosure.financeChargeCents,
    merchantFeeBps: args.merchantFeeBps,
    merchantFeeCents: merchantFee,
    disbursementCents: args.amountCents - merchantFee,
    disclosure,
    schedule: amortization.schedule,
  };
}

/**
 * The offers for an approved (or reviewable) application: the tier's terms that pass the
 * minimum-payment, affordability and APR-cap checks, in the tier's order, and a merchant
 * plan's 0 % promotional offer when it applies — chosen by `selectOfferSet` (offer-set.ts,
 * ADR 034) under `rule` (the engine version's: v2 now, v1 to replay engine 1.0.0 decisions).
 */
export function generateOffers(args: {
  table: PricingTable;
  tier: PricingTier;
  amountCents: number;
  monthlyIncomeCents: number | null;
  merchant: MerchantTerms;
  rule?: OfferSetRule;
}): OfferGeneration {
  const { table, tier, amountCents, merchant } = args;
  if (
    amountCents < tier.minAmountCents ||
    amountCents > tier.maxAmountCents ||
    amountCents < merchant.minAmountCents ||
    amountCents > merchant.maxAmountCents
  ) {
    return { offers: [], considered: [], blockedBy: "amount_outside_limits" };
  }
  const maxPayment =
    args.monthlyIncomeCents && args.monthlyIncomeCents > 0
      ? new Decimal(args.monthlyIncomeCents).times(table.maxPaymentToIncomePct).div(100)
      : null;
  const check = (offer: Offer): ConsideredTerm["excludedBecause"] => {
    if (offer.paymentCents < table.minMonthlyPaymentCents) return "below_minimum_payment";
    if (maxPayment && maxPayment.lt(offer.paymentCents)) return "above_payment_to_income";
    if (parseRate(offer.apr).gt(table.aprCapPercent)) return "above_apr_cap";
    return undefined;
  };

  let promotionalCandidate: Candidate<Offer> | null = null;
  const promotional = table.merchantPlans[merchant.pricingPlan]?.promotional ?? null;
  if (
    promotional &&
    promotional.tiers.includes(tier.name) &&
    amountCents <= promotional.maxAmountCents
  ) {
    const offer = buildOffer({
      kind: "promotional",
      tier,
      months: promotional.termMonths,
      noteRate: "0.000",
      feeRate: "0.000",
      amountCents,
      merchantFeeBps: merchant.merchantFeeBps + promotional.additionalMerchantFeeBps,
      lateCharge: table.lateCharge,
    });
    const failed = check(offer);
    promotionalCandidate = { termMonths: offer.termMonths, offer, ...(failed ? { failed } : {}) };
  }
  const standard = tier.terms.map((term): Candidate<Offer> => {
    const offer = standardOffer(tier, term, {
      amountCents,
      merchantFeeBps: merchant.merchantFeeBps,
      lateCharge: table.lateCharge,
    });
    const failed = check(offer);
    return { termMonths: offer.termMonths, offer, ...(failed ? { failed } : {}) };
  });
  const { offers, considered } = selectOfferSet({
    promotional: promotionalCandidate,
    standard,
    maxOffers: table.maxOffers,
    rule: args.rule ?? "v2",
  });
  return { offers, considered, blockedBy: offers.length === 0 ? "no_affordable_offer" : null };
}
