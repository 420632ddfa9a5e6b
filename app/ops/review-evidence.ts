import type { CreditReport, Tradeline } from "~/adapters/experian/types";
import type { DecisionSnapshot } from "~/app/decisioning/engine";
import { buildFacts, type Facts } from "~/app/decisioning/facts";
import type { CreditInput, DecisionInputs } from "~/app/decisioning/inputs";
import { reasonSpec } from "~/app/decisioning/reasons";
import type { RuleResult } from "~/app/decisioning/rules";
import { calculateScore } from "~/app/decisioning/score";
import { formatMoney } from "~/app/money/dollars";

/**
 * The review workspace's evidence (issue 18, ADR 074), the pure part: what the reviewed
 * decision's immutable snapshot says about the bureau, the bank, income against debt, identity
 * and the rules — read, never recomputed from today's data — plus a re-pulled report seen
 * through the same engine facts. Every block says plainly when its source is missing (no bank
 * link, bureau down) instead of showing nothing.
 */

export type Fact = { label: string; value: string; flag?: boolean };

export type TradelineRow = {
  kind: Tradeline["kind"];
  accountType: string;
  open: boolean;
  balance: string;
  limit: string;
  monthlyPayment: string;
  pastDue: string;
  delinquencies: string;
  openedOn: string;
};

export type BureauEvidence = {
  /** Null with a report; the reason the bureau gave none otherwise. */
  unavailable: string | null;
  headline: string;
  facts: Fact[];
  factors: string[];
  tradelines: TradelineRow[];
};

export type BankEvidence = { linked: boolean; headline: string; facts: Fact[] };

export type IncomeEvidence = {
  facts: Fact[];
  /** How far the bank data bears out the stated income. */
  verification: "verified" | "partly" | "unverified" | "no_bank_data";
  verificationText: string;
};

export type IdentityCheck = { label: string; passed: boolean | null; detail: string };
export type IdentityEvidence = { result: string; checks: IdentityCheck[] };

export type RuleEvidence = {
  key: string;
  fired: boolean;
  action: string;
  test: string;
  /** The rule's input: the fact it read, as the decision saw it. */
  input: string;
  reason: string | null;
};

export type ReviewEvidence = {
  bureau: BureauEvidence;
  bank: BankEvidence;
  income: IncomeEvidence;
  identity: IdentityEvidence;
  rules: RuleEvidence[];
};

const money = (cents: number | null | undefined) =>
  cents === null || cents === undefined ? "unknown" : formatMoney(cents);
const count = (n: number | null | undefined) =>
  n === null || n === undefined ? "unknown" : `${n}`;

/** The engine's facts for a decision's inputs (what its rules read), e.g. with a re-pulled report. */
export function factsFor(inputs: DecisionInputs): Facts {
  return buildFacts(inputs, calculateScore(inputs));
}

function tradelineRow(line: Tradeline): TradelineRow {
  const late = [
    line.delinquencies30 ? `${line.delinquencies30}×30` : "",
    line.delinquencies60 ? `${line.delinquencies60}×60` : "",
    line.delinquencies90 ? `${line.delinquencies90}×90` : "",
  ].filter(Boolean);
  return {
    kind: line.kind,
    accountType: line.accountType,
    open: line.open,
    balance: formatMoney(line.balanceCents),
    limit: line.creditLimitCents === null ? "—" : formatMoney(line.creditLimitCents),
    monthlyPayment: formatMoney(line.monthlyPaymentCents),
    pastDue: formatMoney(line.pastDueCents),
    delinquencies: late.length > 0 ? late.join(", ") : "none",
    openedOn: line.openedOn ?? "—",
  };
}

/** Revolving balance over revolving limits, whole percent; null with no revolving limit. */
export function revolvingUtilizationPct(report: CreditReport): number | null {
  const revolving = report.tradelines.filter((t) => t.kind === "revolving" && t.open);
  const limit = revolving.reduce((sum, t) => sum + (t.creditLimitCents ?? 0), 0);
  if (limit <= 0) return null;
  const balance = revolving.reduce((sum, t) => sum + t.balanceCents, 0);
  return Math.round((balance * 100) / limit);
}

export function bureauEvidence(credit: CreditInput, facts: Facts): BureauEvidence {
  if (credit.status === "unavailable") {
    return {
      unavailable: `No report: ${reasonSpec(credit.reasonCode)?.ops ?? credit.reasonCode} (${credit.detail})`,
      headline: "No credit report",
      facts: [],
      factors: [],
      tradelines: [],
    };
  }
  const report = credit.report;
  const c = facts.credit;
  const utilization = revolvingUtilizationPct(report);
  return {
    unavailable: null,
    headline: `Experian, report of ${report.reportDate}: ${
      report.score === null
        ? "no score (no hit or unscorable)"
        : `score ${report.score}${report.scoreModel ? ` (${report.scoreModel})` : ""}`
    }`,
    facts: [
      {
        label: "Tradelines (open)",
        value: `${count(c.tradelineCount)} (${count(c.openTradelineCount)})`,
        flag: (c.tradelineCount ?? 0) < 3,
      },
      { label: "Monthly debt payments", value: money(c.monthlyDebtPaymentsCents) },
      { label: "Past due", value: money(c.pastDueCents), flag: (c.pastDueCents ?? 0) > 0 },
      {
        label: "Delinquencies 30 / 60 / 90 days",
        value: `${count(c.delinquencies30)} / ${count(c.delinquencies60)} / ${count(c.delinquencies90)}`,
        flag: (c.delinquencies30 ?? 0) + (c.delinquencies60 ?? 0) + (c.delinquencies90 ?? 0) > 0,
      },
      {
        label: "Public records",
        value: c.publicRecords && c.publicRecords.length > 0 ? c.publicRecords.join(", ") : "none",
        flag: (c.publicRecords?.length ?? 0) > 0,
      },
      { label: "Inquiries, last 6 months", value: count(c.inquiriesLast6Months) },
      {
        label: "Revolving utilization",
        value: utilization === null ? "no revolving credit" : `${utilization} %`,
        flag: (utilization ?? 0) > 75,
      },
    ],
    factors: report.scoreFactors.map((f) => f.description),
    tradelines: report.tradelines.map(tradelineRow),
  };
}

export function bankEvidence(facts: Facts, linkStatus: string | null): BankEvidence {
  const b = facts.bank;
  if (!b.linked) {
    return {
      linked: false,
      headline: `No bank data${linkStatus ? ` (bank link: ${linkStatus.replace(/_/g, " ")})` : " (the borrower did not link an account)"}`,
      facts: [],
    };
  }
  return {
    linked: true,
    headline: `Linked account, ${count(b.monthsObserved)} months observed`,
    facts: [
      {
        label: "Months with income deposits",
        value: `${count(b.incomeDepositMonths)} of ${count(b.monthsObserved)}`,
        flag: (b.incomeDepositMonths ?? 0) < (b.monthsObserved ?? 0),
      },
      { label: "Average daily balance", value: money(b.averageBalanceCents) },
      {
        label: "Lowest daily balance",
        value: money(b.minimumBalanceCents),
        flag: (b.minimumBalanceCents ?? 0) < 0,
      },
      { label: "Overdrafts", value: count(b.overdraftCount), flag: (b.overdraftCount ?? 0) > 0 },
      {
        label: "NSF (returned) items",
        value: count(b.nsfCount),
        flag: (b.nsfCount ?? 0) > 0,
      },
    ],
  };
}

/** The DTI ceiling the decision's rule set applied (its rule on ratios.debtToIncomePct), if any. */
function dtiCeiling(rules: readonly RuleResult[]): number | null {
  const rule = rules.find(
    (r) => r.field === "ratios.debtToIncomePct" && (r.operator === "gt" || r.operator === "gte"),
  );
  return rule && typeof rule.value === "number" ? rule.value : null;
}

export function incomeEvidence(facts: Facts, rules: readonly RuleResult[]): IncomeEvidence {
  const { application, credit, bank, ratios } = facts;
  const ceiling = dtiCeiling(rules);
  const dti = ratios.debtToIncomePct;
  let verification: IncomeEvidence["verification"];
  let verificationText: string;
  if (!bank.linked || bank.monthsObserved === null || bank.incomeDepositMonths === null) {
    verification = "no_bank_data";
    verificationText = "Not verified: no bank data to compare the stated income with.";
  } else if (bank.monthsObserved > 0 && bank.incomeDepositMonths >= bank.monthsObserved) {
    verification = "verified";
    verificationText = `Verified by the bank: regular income deposits in every one of ${bank.monthsObserved} months.`;
  } else if (bank.incomeDepositMonths > 0) {
    verification = "partly";
    verificationText = `Partly verified: income deposits in ${bank.incomeDepositMonths} of ${bank.monthsObserved} months.`;
  } else {
    verification = "unverified";
    verificationText = `Not borne out: no regular income deposits in ${bank.monthsObserved} months.`;
  }
  return {
    facts: [
      { label: "Stated monthly income", value: money(application.monthlyIncomeCents) },
      { label: "Stated housing cost", value: money(application.housingCostCents) },
      { label: "Bureau monthly debt payments", value: money(credit.monthlyDebtPaymentsCents) },
      {
        label: "Debt-to-income",
        value: `${dti === null ? "unknown" : `${dti} %`}${ceiling === null ? "" : ` (ceiling ${ceiling} %)`}`,
        flag: dti !== null && ceiling !== null && dti > ceiling,
      },
    ],
    verification,
    verificationText,
  };
}

const kycStatusText: Record<string, string> = {
  approved: "Verified (approved)",
  completed: "Completed, not yet approved",
  needs_review: "Needs review",
  declined: "Declined by the identity check",
  failed: "Failed",
  expired: "Expired before completion",
  pending: "Pending",
  created: "Started, not completed",
};

export function identityEvidence(
  facts: Facts,
  onFile: { ssnMasked: string; dateOfBirthOnFile: boolean; inquiryOnFile: boolean },
): IdentityEvidence {
  const k = facts.kyc;
  const status = k.status ?? "none";
  return {
    result: k.status ? (kycStatusText[k.status] ?? k.status) : "No identity check on file",
    checks: [
      {
        label: "Identity inquiry",
        passed: onFile.inquiryOnFile ? k.status === "approved" || k.status === "completed" : null,
        detail: onFile.inquiryOnFile ? `status ${status.replace(/_/g, " ")}` : "no inquiry",
      },
      {
        label: "Confidence",
        passed: k.confidence >= 0.9,
        detail: k.confidence.toFixed(2),
      },
      {
        label: "Fraud signals",
        passed: k.fraudSignalCount === 0,
        detail: k.fraudSignalCount === 0 ? "none" : k.fraudSignals.join(", ").replace(/_/g, " "),
      },
      {
        label: "SSN on file",
        passed: onFile.ssnMasked !== "—",
        detail: onFile.ssnMasked,
      },
      {
        label: "Date of birth on file",
        passed: onFile.dateOfBirthOnFile,
        detail: onFile.dateOfBirthOnFile ? "yes (masked)" : "no",
      },
    ],
  };
}

const show = (value: unknown) =>
  value === null || value === undefined ? "unknown" : JSON.stringify(value);

/** Every rule's result, the fired ones first (in the rule set's order), with the fact it read. */
export function rulesEvidence(rules: readonly RuleResult[]): RuleEvidence[] {
  return [...rules]
    .sort((a, b) => Number(b.fired) - Number(a.fired))
    .map((r) => ({
      key: r.key,
      fired: r.fired,
      action: r.action,
      test: `${r.field} ${r.operator} ${show(r.value)}`,
      input: `${r.field} = ${show(r.actual)}`,
      reason: r.reasonCode ? (reasonSpec(r.reasonCode)?.ops ?? r.reasonCode) : null,
    }));
}

/**
 * The evidence blocks of an engine decision's snapshot. Null for a decision without engine inputs
 * (none under review, or an older underwriter snapshot): the page then says so.
 */
export function reviewEvidence(
  snapshot: DecisionSnapshot | null,
  onFile: {
    bankLinkStatus: string | null;
    ssnMasked: string;
    dateOfBirthOnFile: boolean;
    inquiryOnFile: boolean;
  },
): ReviewEvidence | null {
  if (!snapshot?.inputs || !snapshot.result) return null;
  // The facts the rules read, as stored; decisions before facts were stored are rebuilt from inputs.
  const facts = snapshot.result.facts ?? factsFor(snapshot.inputs);
  const rules = snapshot.result.ruleResults ?? [];
  return {
    bureau: bureauEvidence(snapshot.inputs.credit, facts),
    bank: bankEvidence(facts, onFile.bankLinkStatus),
    income: incomeEvidence(facts, rules),
    identity: identityEvidence(facts, onFile),
    rules: rulesEvidence(rules),
  };
}

/** A re-pull as the page shows it: the new report through the engine's facts, DTI included. */
export type RepullView = {
  id: string;
  pulledAt: string;
  requestedByName: string | null;
  bureau: BureauEvidence;
  debtToIncome: string;
  /** What changed against the reviewed decision's report, in words. */
  changes: string[];
};

export function repullView(
  inputs: DecisionInputs,
  repull: {
    id: string;
    pulledAt: Date;
    requestedByName: string | null;
    status: "ok" | "unavailable";
    report: CreditReport | null;
    detail: string | null;
  },
): RepullView {
  const credit: CreditInput =
    repull.status === "ok" && repull.report
      ? { status: "ok", report: repull.report }
      : { status: "unavailable", reasonCode: "bureau_unavailable", detail: repull.detail ?? "" };
  const facts = factsFor({ ...inputs, credit });
  const before = factsFor(inputs);
  const changes: string[] = [];
  const compare = (label: string, was: number | null, now: number | null, unit = "") => {
    if (was !== now) changes.push(`${label}: ${was ?? "none"}${unit} → ${now ?? "none"}${unit}`);
  };
  if (repull.status === "ok") {
    compare("Score", before.credit.score, facts.credit.score);
    compare("Tradelines", before.credit.tradelineCount, facts.credit.tradelineCount);
    compare("Debt-to-income", before.ratios.debtToIncomePct, facts.ratios.debtToIncomePct, " %");
    compare(
      "Inquiries, last 6 months",
      before.credit.inquiriesLast6Months,
      facts.credit.inquiriesLast6Months,
    );
  }
  return {
    id: repull.id,
    pulledAt: repull.pulledAt.toISOString(),
    requestedByName: repull.requestedByName,
    bureau: bureauEvidence(credit, facts),
    debtToIncome:
      facts.ratios.debtToIncomePct === null ? "unknown" : `${facts.ratios.debtToIncomePct} %`,
    changes,
  };
}
