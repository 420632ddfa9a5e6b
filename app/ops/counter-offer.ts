import { formatMoney } from "~/app/money/dollars";

/**
 * A counter-offer (ADR 077), the pure part: what makes one (less than the amount asked, and/or
 * another tier than the engine's), and what the borrower reads about it.
 */
export const counterNotesLimits = { min: 5, max: 2000 } as const;
export const maxCounterReasons = 4;

/**
 * Why these terms are not a counter-offer, or null when they are: the amount must be positive
 * and at most the amount asked, and something must change — a lower amount or another tier.
 */
export function counterOfferProblem(args: {
  requestedAmountCents: number;
  amountCents: number;
  originalTier: string | null;
  tier: string;
}): { field: "amount" | "tier"; message: string } | null {
  if (args.amountCents <= 0) return { field: "amount", message: "Enter an amount above $0" };
  if (args.amountCents > args.requestedAmountCents) {
    return {
      field: "amount",
      message: `A counter-offer finances at most the ${formatMoney(args.requestedAmountCents)} asked for`,
    };
  }
  if (args.amountCents === args.requestedAmountCents && args.tier === args.originalTier) {
    return {
      field: "amount",
      message: "Lower the amount or choose another tier: these are the terms asked for",
    };
  }
  return null;
}

/** What the borrower pays the merchant directly when the counter-offer finances less. */
export const outOfPocketCents = (requestedAmountCents: number, amountCents: number) =>
  Math.max(0, requestedAmountCents - amountCents);
