import { bankHealth, type BankHealth } from "./bank-health";
import { Decimal, ROUND_HALF_UP } from "./decimal";
import type { DecisionInputs } from "./inputs";

/**
 * The architecture document (docs/product/architecture.md)'s calculateScore, exactly:
 *
 *   round( credit score × 0.4 + income factor × 300 × 0.3
 *        + bank health × 100 × 0.2 + KYC confidence × 100 × 0.1 )
 *
 * with income factor = min(monthly income / $5,000, 1), credit score 0 when the bureau has
 * none, and round = Math.round (half up; every part is ≥ 0). The arithmetic is exact
 * decimal — a float sum could land on the wrong side of .5 — and every part is kept.
 *
 * Range: 0–460 (850 × 0.4 + 90 + 20 + 10). It is not on the bureau's 300–850 scale, so
 * "score < 650" in the product docs can only mean the bureau score (see the ADR).
 */
export type ScoreBreakdown = {
  total: number;
  /** The exact sum before rounding. */
  unrounded: string;
  creditScore: number;
  incomeFactor: string;
  bankHealth: BankHealth;
  kycConfidence: string;
  parts: { credit: string; income: string; bank: string; kyc: string };
};

export const incomeFactorCapCents = 500_000;

export function incomeFactor(monthlyIncomeCents: number | null): Decimal {
  if (!monthlyIncomeCents || monthlyIncomeCents <= 0) return new Decimal(0);
  return Decimal.min(1, new Decimal(monthlyIncomeCents).div(incomeFactorCapCents));
}

export function calculateScore(inputs: DecisionInputs): ScoreBreakdown {
  const creditScore = inputs.credit.status === "ok" ? (inputs.credit.report.score ?? 0) : 0;
  const income = incomeFactor(inputs.application.monthlyIncomeCents);
  const health = bankHealth(inputs.bank);
  const kyc = Decimal.min(1, Decimal.max(0, new Decimal(inputs.kyc.confidence)));

  const credit = new Decimal(creditScore).times("0.4");
  const incomePart = income.times(300).times("0.3");
  const bankPart = new Decimal(health.value).times(100).times("0.2");
  const kycPart = kyc.times(100).times("0.1");
  const sum = credit.plus(incomePart).plus(bankPart).plus(kycPart);
  return {
    total: sum.toDecimalPlaces(0, ROUND_HALF_UP).toNumber(),
    unrounded: sum.toString(),
    creditScore,
    incomeFactor: income.toString(),
    bankHealth: health,
    kycConfidence: kyc.toString(),
    parts: {
      credit: credit.toString(),
      income: incomePart.toString(),
      bank: bankPart.toString(),
      kyc: kycPart.toString(),
    },
  };
}
