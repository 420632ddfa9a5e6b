/**
 * What the merchant is paid: the amount minus the merchant fee. The offer the borrower signed
 * carries both (decisioning computed them with the merchant's — or the promotion's — fee, half-even
 * rounding); an older offer without them is computed the same way from merchants.merchant_fee_bps.
 * Pure.
 */
import { PermanentError } from "~/jobs/errors";
import { basisPointsOfCents } from "~/app/decisioning/money";

export type LoanAmounts = {
  amountCents: number;
  merchantFeeCents: number;
  disbursementCents: number;
};

export function loanAmounts(
  amountCents: number,
  offer: { merchantFeeCents: number | null; disbursementCents: number | null },
  merchantFeeBps: number,
): LoanAmounts {
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
    throw new PermanentError(`The amount (${amountCents}) must be a positive number of cents`);
  }
  if (offer.merchantFeeCents !== null && offer.disbursementCents !== null) {
    if (offer.merchantFeeCents + offer.disbursementCents !== amountCents) {
      throw new PermanentError(
        `The offer's merchant fee (${offer.merchantFeeCents}) and disbursement (${offer.disbursementCents}) do not add up to the amount (${amountCents})`,
      );
    }
    return {
      amountCents,
      merchantFeeCents: offer.merchantFeeCents,
      disbursementCents: offer.disbursementCents,
    };
  }
  const merchantFeeCents = basisPointsOfCents(amountCents, merchantFeeBps);
  return { amountCents, merchantFeeCents, disbursementCents: amountCents - merchantFeeCents };
}
