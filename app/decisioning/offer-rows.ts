import type { Offer } from "./pricing";

/**
 * The `offers` row of a priced offer — one mapping for the engine's decision (decide.server.ts)
 * and an underwriter's approval (underwriter.server.ts), so both store an offer alike.
 */
export function offerRow(
  offer: Offer,
  ids: { id: string; decisionId: string; applicationId: string },
  at: Date,
) {
  return {
    ...ids,
    termMonths: offer.termMonths,
    noteRate: offer.noteRate,
    apr: offer.apr,
    originationFeeCents: offer.originationFeeCents,
    principalCents: offer.principalCents,
    amountFinancedCents: offer.amountFinancedCents,
    monthlyPaymentCents: offer.paymentCents,
    lastPaymentCents: offer.lastPaymentCents,
    financeChargeCents: offer.financeChargeCents,
    totalOfPaymentsCents: offer.totalOfPaymentsCents,
    promotional: offer.kind === "promotional",
    tier: offer.tier,
    merchantFeeCents: offer.merchantFeeCents,
    disbursementCents: offer.disbursementCents,
    schedule: offer.schedule,
    disclosure: offer.disclosure as unknown as Record<string, unknown>,
    createdAt: at,
  };
}
