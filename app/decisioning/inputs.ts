import { z } from "zod";
import type { CreditReport } from "~/adapters/experian/types";

/**
 * The decision inputs: everything a decision depends on, stored verbatim in its snapshot
 * (docs/product/lending.md, "Decisions are evidence"). The engine is a pure function of these, the rule
 * set and the pricing version — no clock, no database, no network.
 */
export type BankSummary = {
  /** Average daily balance over the observed period. */
  averageBalanceCents: number;
  /** Lowest daily balance (negative when overdrawn). */
  minimumBalanceCents: number;
  overdraftCount: number;
  nsfCount: number;
  /** Months (of those observed) with at least one regular income deposit. */
  incomeDepositMonths: number;
  monthsObserved: number;
};

/**
 * The shape of applications.bank_summary this engine reads (written by the bank-link
 * step). Extra keys are ignored; a summary that does not match counts as no bank data.
 */
export const bankSummarySchema = z.object({
  averageBalanceCents: z.number().int(),
  minimumBalanceCents: z.number().int(),
  overdraftCount: z.number().int().min(0),
  nsfCount: z.number().int().min(0),
  incomeDepositMonths: z.number().int().min(0),
  monthsObserved: z.number().int().min(0),
});

export type KycResult = {
  /** Persona's inquiry status as stored on the application (approved, needs_review, …). */
  status: string | null;
  /** 0–1 as an exact decimal string ("0.95"). */
  confidence: string;
  fraudSignals: string[];
};

export type CreditInput =
  | { status: "ok"; report: CreditReport }
  | { status: "unavailable"; reasonCode: "bureau_unavailable" | "bureau_error"; detail: string };

export type DecisionInputs = {
  application: {
    id: string;
    amountCents: number;
    monthlyIncomeCents: number | null;
    housingCostCents: number | null;
  };
  merchant: {
    id: string;
    pricingPlan: string;
    merchantFeeBps: number;
    minAmountCents: number;
    maxAmountCents: number;
  };
  credit: CreditInput;
  bank: BankSummary | null;
  kyc: KycResult;
};

type MerchantTermsRow = {
  pricingPlan: string;
  merchantFeeBps: number;
  minAmountCents: number;
  maxAmountCents: number;
};

/**
 * A merchant's pricing terms as the engine reads them — for a decision, a prequalification, a
 * repricing and the as-low-as widget alike. One projection, so a term added to the engine's
 * input reaches every caller (each had written the same four fields by hand).
 */
export function merchantTerms(merchant: MerchantTermsRow) {
  return {
    pricingPlan: merchant.pricingPlan,
    merchantFeeBps: merchant.merchantFeeBps,
    minAmountCents: merchant.minAmountCents,
    maxAmountCents: merchant.maxAmountCents,
  };
}

/** The `merchant` of the decision inputs (stored in the snapshot, id first as it always was). */
export function merchantInputs(merchant: MerchantTermsRow & { id: string }) {
  return { id: merchant.id, ...merchantTerms(merchant) };
}

/**
 * KYC confidence by inquiry status. Persona reports a status, not a number; until the
 * identity step stores a finer signal, the status decides it.
 */
const kycConfidenceByStatus: Record<string, string> = {
  approved: "1.00",
  completed: "0.90",
  needs_review: "0.50",
};

export function kycFromStatus(status: string | null, fraudSignals: string[] = []): KycResult {
  return {
    status,
    confidence: (status && kycConfidenceByStatus[status]) ?? "0.00",
    fraudSignals,
  };
}
