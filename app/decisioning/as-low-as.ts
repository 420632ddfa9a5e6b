import { formatMoney } from "~/app/money/dollars";
import { parseRate } from "./decimal";
import { generateOffers, type MerchantTerms, type Offer, type PricingTable } from "./pricing";

/**
 * "As low as $X/month" for an estimate, from the merchant's published pricing and plan.
 *
 * The headline is the lowest monthly payment of the best tier — what a borrower with a strong
 * file would be offered for this amount, with the same offer rules as a real decision
 * (generateOffers: minimum payment, APR cap, the merchant's limits and promotional plan). The
 * ranges span every tier, so the advertisement does not promise the best tier to everyone.
 *
 * A payment amount shown outside an application is a *triggering term* (Regulation Z
 * §1026.24(d), docs/product/lending.md "Advertising"): the text must also state the terms of
 * repayment and the APR, and that it is subject to credit approval. `disclosure` does.
 */
export type AsLowAs = {
  amountCents: number;
  monthlyPaymentCents: number;
  termMonths: number;
  apr: string;
  lastPaymentCents: number;
  totalOfPaymentsCents: number;
  promotional: boolean;
  aprRange: { min: string; max: string };
  termRangeMonths: { min: number; max: number };
  disclosure: string;
};

export type AsLowAsOutcome =
  | { ok: true; value: AsLowAs }
  | { ok: false; reason: "amount_outside_limits"; minAmountCents: number; maxAmountCents: number };

export function asLowAs(args: {
  table: PricingTable;
  amountCents: number;
  merchant: MerchantTerms;
}): AsLowAsOutcome {
  const { table, amountCents, merchant } = args;
  const byTier: Offer[][] = [];
  for (const tier of table.tiers) {
    const generated = generateOffers({
      table,
      tier,
      amountCents,
      monthlyIncomeCents: null,
      merchant,
    });
    if (generated.offers.length > 0) byTier.push(generated.offers);
  }
  const best = byTier[0];
  if (!best) {
    const tierMin = Math.min(...table.tiers.map((tier) => tier.minAmountCents));
    const tierMax = Math.max(...table.tiers.map((tier) => tier.maxAmountCents));
    return {
      ok: false,
      reason: "amount_outside_limits",
      minAmountCents: Math.max(tierMin, merchant.minAmountCents),
      maxAmountCents: Math.min(tierMax, merchant.maxAmountCents),
    };
  }
  // Lowest payment; on a tie the cheaper loan (fewer dollars in total).
  const headline = [...best].sort(
    (a, b) => a.paymentCents - b.paymentCents || a.totalOfPaymentsCents - b.totalOfPaymentsCents,
  )[0]!;
  const all = byTier.flat();
  const aprs = all.map((offer) => offer.apr).sort((a, b) => parseRate(a).cmp(parseRate(b)));
  const terms = all.map((offer) => offer.termMonths);
  const value: Omit<AsLowAs, "disclosure"> = {
    amountCents,
    monthlyPaymentCents: headline.paymentCents,
    termMonths: headline.termMonths,
    apr: headline.apr,
    lastPaymentCents: headline.lastPaymentCents,
    totalOfPaymentsCents: headline.totalOfPaymentsCents,
    promotional: headline.kind === "promotional",
    aprRange: { min: aprs[0]!, max: aprs[aprs.length - 1]! },
    termRangeMonths: { min: Math.min(...terms), max: Math.max(...terms) },
  };
  return { ok: true, value: { ...value, disclosure: asLowAsDisclosure(value) } };
}

/** The §1026.24(d)(2) text that must accompany the advertised payment. */
export function asLowAsDisclosure(value: Omit<AsLowAs, "disclosure">): string {
  const payments =
    value.lastPaymentCents === value.monthlyPaymentCents
      ? `${value.termMonths} monthly payments of ${formatMoney(value.monthlyPaymentCents)}`
      : `${value.termMonths - 1} monthly payments of ${formatMoney(value.monthlyPaymentCents)} and a final payment of ${formatMoney(value.lastPaymentCents)}`;
  const range =
    value.aprRange.min === value.aprRange.max
      ? `${value.aprRange.min}% APR`
      : `APRs from ${value.aprRange.min}% to ${value.aprRange.max}%`;
  const termRange =
    value.termRangeMonths.min === value.termRangeMonths.max
      ? `${value.termRangeMonths.min} months`
      : `${value.termRangeMonths.min} to ${value.termRangeMonths.max} months`;
  return (
    `Example: a ${formatMoney(value.amountCents)} purchase financed at ${value.apr}% APR ` +
    `for ${value.termMonths} months, no down payment, is repaid in ${payments} ` +
    `(${formatMoney(value.totalOfPaymentsCents)} in total). ` +
    `Available terms: ${termRange}; ${range}, fixed for the life of the loan, based on credit. ` +
    `Subject to credit approval; not every applicant qualifies for the lowest payment.`
  );
}
