import { KYC_STATUSES } from "~/adapters/persona/types";
import { divRoundHalfEven } from "./decimal";
import type { DecisionInputs } from "./inputs";
import type { ScoreBreakdown } from "./score";

/**
 * The facts rules are written against: a flat-ish view of the decision inputs plus what
 * is derived from them (score, debt-to-income). `fieldCatalogue` lists every path a rule
 * may use — a rule naming anything else cannot be published.
 *
 * A fact that is unknown (no bureau answer, no bank link, no stated income) is null, and
 * a comparison against null is false: only `exists` looks at missing facts.
 */
export type Facts = {
  application: {
    amountCents: number;
    monthlyIncomeCents: number | null;
    housingCostCents: number | null;
  };
  credit: {
    available: boolean;
    score: number | null;
    /** False for a report without a score (no-hit, unscorable); null with no report. */
    hasScore: boolean | null;
    tradelineCount: number | null;
    openTradelineCount: number | null;
    monthlyDebtPaymentsCents: number | null;
    pastDueCents: number | null;
    delinquencies30: number | null;
    delinquencies60: number | null;
    delinquencies90: number | null;
    publicRecords: string[] | null;
    inquiriesLast6Months: number | null;
  };
  bank: {
    linked: boolean;
    averageBalanceCents: number | null;
    minimumBalanceCents: number | null;
    overdraftCount: number | null;
    nsfCount: number | null;
    incomeDepositMonths: number | null;
    monthsObserved: number | null;
  };
  kyc: {
    status: string | null;
    confidence: number;
    fraudSignals: string[];
    fraudSignalCount: number;
  };
  score: { total: number; bankHealth: number; incomeFactor: number };
  ratios: { debtToIncomePct: number | null };
};

export type FieldType = "number" | "string" | "boolean" | "string[]";
export type FieldSpec = { type: FieldType; description: string; values?: readonly string[] };

export const fieldCatalogue: Record<string, FieldSpec> = {
  "application.amountCents": { type: "number", description: "Amount requested, cents" },
  "application.monthlyIncomeCents": {
    type: "number",
    description: "Stated gross monthly income, cents",
  },
  "application.housingCostCents": {
    type: "number",
    description: "Stated monthly housing cost, cents",
  },
  "credit.available": { type: "boolean", description: "The bureau answered with a report" },
  "credit.score": { type: "number", description: "Bureau credit score (300–850); null when none" },
  "credit.hasScore": {
    type: "boolean",
    description: "The report carries a score (null with no report)",
  },
  "credit.tradelineCount": { type: "number", description: "Tradelines on file, open or closed" },
  "credit.openTradelineCount": { type: "number", description: "Open tradelines" },
  "credit.monthlyDebtPaymentsCents": {
    type: "number",
    description: "Monthly payments on open non-mortgage tradelines, cents",
  },
  "credit.pastDueCents": { type: "number", description: "Total past due, cents" },
  "credit.delinquencies30": { type: "number", description: "30-day delinquencies, all tradelines" },
  "credit.delinquencies60": { type: "number", description: "60-day delinquencies, all tradelines" },
  "credit.delinquencies90": {
    type: "number",
    description: "90-to-180-day delinquencies, all tradelines",
  },
  "credit.publicRecords": {
    type: "string[]",
    description: "Types of public records on file",
    values: ["bankruptcy", "judgment", "lien", "other"],
  },
  "credit.inquiriesLast6Months": {
    type: "number",
    description: "Inquiries in the 6 months before the report",
  },
  "bank.linked": { type: "boolean", description: "A bank account is linked and summarised" },
  "bank.averageBalanceCents": { type: "number", description: "Average daily balance, cents" },
  "bank.minimumBalanceCents": { type: "number", description: "Lowest daily balance, cents" },
  "bank.overdraftCount": { type: "number", description: "Overdrafts in the observed period" },
  "bank.nsfCount": { type: "number", description: "Returned (NSF) items in the observed period" },
  "bank.incomeDepositMonths": {
    type: "number",
    description: "Months with a regular income deposit",
  },
  "bank.monthsObserved": { type: "number", description: "Months of history observed" },
  "kyc.status": {
    type: "string",
    description: "Identity verification status",
    values: [...KYC_STATUSES],
  },
  "kyc.confidence": { type: "number", description: "Identity confidence, 0–1" },
  "kyc.fraudSignals": {
    type: "string[]",
    description: "Fraud signals raised by the identity check",
  },
  "kyc.fraudSignalCount": { type: "number", description: "Number of fraud signals" },
  "score.total": { type: "number", description: "FlowPay score (0–460)" },
  "score.bankHealth": { type: "number", description: "Bank health, 0–1" },
  "score.incomeFactor": { type: "number", description: "min(income / $5,000, 1)" },
  "ratios.debtToIncomePct": {
    type: "number",
    description: "(housing + non-mortgage debt payments) / income, percent, 2 decimals",
  },
};

function monthsBefore(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1 - months, day)).toISOString().slice(0, 10);
}

export function buildFacts(inputs: DecisionInputs, score: ScoreBreakdown): Facts {
  const { application, bank, kyc } = inputs;
  const report = inputs.credit.status === "ok" ? inputs.credit.report : null;
  const open = report?.tradelines.filter((line) => line.open) ?? [];
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const monthlyDebt = report
    ? sum(open.filter((line) => line.kind !== "mortgage").map((line) => line.monthlyPaymentCents))
    : null;
  const income = application.monthlyIncomeCents;
  const debtToIncomePct =
    monthlyDebt !== null && income !== null && income > 0
      ? Number(
          divRoundHalfEven(
            BigInt((application.housingCostCents ?? 0) + monthlyDebt) * 10_000n,
            BigInt(income),
          ),
        ) / 100
      : null;
  const cutoff = report ? monthsBefore(report.reportDate, 6) : "";

  return {
    application: {
      amountCents: application.amountCents,
      monthlyIncomeCents: application.monthlyIncomeCents,
      housingCostCents: application.housingCostCents,
    },
    credit: {
      available: report !== null,
      score: report?.score ?? null,
      hasScore: report ? report.score !== null : null,
      tradelineCount: report ? report.tradelines.length : null,
      openTradelineCount: report ? open.length : null,
      monthlyDebtPaymentsCents: monthlyDebt,
      pastDueCents: report ? sum(report.tradelines.map((line) => line.pastDueCents)) : null,
      delinquencies30: report ? sum(report.tradelines.map((line) => line.delinquencies30)) : null,
      delinquencies60: report ? sum(report.tradelines.map((line) => line.delinquencies60)) : null,
      delinquencies90: report ? sum(report.tradelines.map((line) => line.delinquencies90)) : null,
      publicRecords: report
        ? [...new Set(report.publicRecords.map((record) => record.type))]
        : null,
      inquiriesLast6Months: report
        ? report.inquiries.filter(
            (inquiry) => inquiry.date >= cutoff && inquiry.date <= report.reportDate,
          ).length
        : null,
    },
    bank: {
      linked: bank !== null,
      averageBalanceCents: bank?.averageBalanceCents ?? null,
      minimumBalanceCents: bank?.minimumBalanceCents ?? null,
      overdraftCount: bank?.overdraftCount ?? null,
      nsfCount: bank?.nsfCount ?? null,
      incomeDepositMonths: bank?.incomeDepositMonths ?? null,
      monthsObserved: bank?.monthsObserved ?? null,
    },
    kyc: {
      status: kyc.status,
      confidence: Number(score.kycConfidence),
      fraudSignals: kyc.fraudSignals,
      fraudSignalCount: kyc.fraudSignals.length,
    },
    score: {
      total: score.total,
      bankHealth: Number(score.bankHealth.value),
      incomeFactor: Number(score.incomeFactor),
    },
    ratios: { debtToIncomePct },
  };
}
