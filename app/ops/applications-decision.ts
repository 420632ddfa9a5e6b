import type { decisions, offers } from "~/db/schema/index";
import type { DecisionSnapshot } from "~/app/decisioning/engine";
import type { CreditInput } from "~/app/decisioning/inputs";
import { reasonSpec } from "~/app/decisioning/reasons";
import { formatMoney } from "~/app/money/dollars";
import type { UnderwriterSnapshot } from "./reviews";

/**
 * A stored decision as FlowOps shows it: the snapshot's score and its parts, each rule's result,
 * the tier, the versions, the reasons and the offers — read from the immutable snapshot, never
 * recomputed. Works for the engine's snapshots and for underwriters' (reviews.ts).
 */
type DecisionRow = typeof decisions.$inferSelect;
type OfferRow = typeof offers.$inferSelect;

export type ReasonView = { code: string; text: string };

export type DecisionView = {
  id: string;
  status: DecisionRow["status"];
  decidedAt: string;
  /** Null for the decision engine. */
  decidedBy: string | null;
  versions: { ruleSet: number; pricing: number; engine: string };
  tier: string | null;
  score: {
    total: number;
    unrounded: string;
    parts: { label: string; value: string; input: string }[];
  } | null;
  credit: { summary: string; factors: string[] } | null;
  rules: {
    key: string;
    test: string;
    actual: string;
    fired: boolean;
    action: string;
    reason: string | null;
  }[];
  reviewReasons: ReasonView[];
  declineReasons: ReasonView[];
  /** Terms the pricing considered and why any was left out. */
  considered: string[];
  underwriter: {
    basedOnDecisionId: string;
    notes: string;
    conditions: string[];
    repriced: string | null;
  } | null;
  offers: {
    id: string;
    termMonths: number;
    noteRate: string;
    apr: string;
    monthlyPaymentCents: number;
    amountFinancedCents: number;
    financeChargeCents: number;
    totalOfPaymentsCents: number;
    promotional: boolean;
    tier: string | null;
    selected: boolean;
  }[];
};

const reason = (code: string): ReasonView => ({ code, text: reasonSpec(code)?.ops ?? code });

const show = (value: unknown) =>
  value === null || value === undefined ? "unknown" : JSON.stringify(value);

function creditSummary(credit: CreditInput | undefined): DecisionView["credit"] {
  if (!credit) return null;
  if (credit.status === "unavailable") {
    return {
      summary: `No report: ${reasonSpec(credit.reasonCode)?.ops ?? credit.reasonCode}`,
      factors: [],
    };
  }
  const report = credit.report;
  const score =
    report.score === null
      ? "no score"
      : `score ${report.score}${report.scoreModel ? ` (${report.scoreModel})` : ""}`;
  return {
    summary: `Experian report of ${report.reportDate}: ${score}`,
    factors: report.scoreFactors.map((f) => f.description),
  };
}

export function decisionView(
  row: DecisionRow,
  offerRows: readonly OfferRow[],
  decidedByName: string | null,
): DecisionView {
  const raw = row.snapshot as Record<string, unknown>;
  const base = {
    id: row.id,
    status: row.status,
    decidedAt: row.decidedAt.toISOString(),
    decidedBy: row.decidedBy ? (decidedByName ?? row.decidedBy) : null,
    versions: {
      ruleSet: row.ruleSetVersion,
      pricing: row.pricingVersion,
      engine: row.engineVersion,
    },
    tier: row.tier,
    offers: offerRows.map((o) => ({
      id: o.id,
      termMonths: o.termMonths,
      noteRate: o.noteRate,
      apr: o.apr,
      monthlyPaymentCents: o.monthlyPaymentCents,
      amountFinancedCents: o.amountFinancedCents,
      financeChargeCents: o.financeChargeCents,
      totalOfPaymentsCents: o.totalOfPaymentsCents,
      promotional: o.promotional,
      tier: o.tier,
      selected: o.selectedAt !== null,
    })),
  };

  const scoreOf = (score: DecisionSnapshot["result"]["score"] | null | undefined) =>
    score
      ? {
          total: score.total,
          unrounded: score.unrounded,
          parts: [
            {
              label: "Credit (bureau score × 0.4)",
              value: score.parts.credit,
              input: String(score.creditScore),
            },
            {
              label: "Income (factor × 300 × 0.3)",
              value: score.parts.income,
              input: score.incomeFactor,
            },
            {
              label: "Bank health (× 100 × 0.2)",
              value: score.parts.bank,
              input: score.bankHealth.value,
            },
            {
              label: "Identity (confidence × 100 × 0.1)",
              value: score.parts.kyc,
              input: score.kycConfidence,
            },
          ],
        }
      : null;

  if (raw.kind === "underwriter") {
    const snap = raw as unknown as UnderwriterSnapshot;
    const conditions: string[] = [];
    if (snap.conditions?.downPaymentCents)
      conditions.push(`Down payment of ${formatMoney(snap.conditions.downPaymentCents)}`);
    if (snap.conditions?.note) conditions.push(snap.conditions.note);
    return {
      ...base,
      score: scoreOf(snap.score),
      credit: creditSummary(snap.inputs?.credit),
      rules: [],
      reviewReasons: [],
      declineReasons: snap.declineReasons.map(reason),
      considered: [],
      underwriter: {
        basedOnDecisionId: snap.basedOnDecisionId,
        notes: snap.notes,
        conditions,
        repriced: snap.repriced
          ? `Priced again in tier ${snap.repriced.tier} for ${formatMoney(snap.repriced.amountCents)} (pricing v${snap.pricing.version})`
          : null,
      },
    };
  }

  const snap = raw as unknown as DecisionSnapshot;
  const result = snap.result;
  return {
    ...base,
    score: scoreOf(result?.score),
    credit: creditSummary(snap.inputs?.credit),
    rules: (result?.ruleResults ?? []).map((r) => ({
      key: r.key,
      test: `${r.field} ${r.operator} ${show(r.value)}`,
      actual: show(r.actual),
      fired: r.fired,
      action: r.action,
      reason: r.reasonCode,
    })),
    reviewReasons: (result?.reviewReasons ?? []).map(reason),
    declineReasons: (result?.declineReasons ?? []).map(reason),
    considered: (result?.considered ?? []).map(
      (t) =>
        `${t.kind === "promotional" ? "0 % promotional" : "Standard"} ${t.termMonths} months: ${
          t.offered ? "offered" : `not offered (${(t.excludedBecause ?? "").replace(/_/g, " ")})`
        }`,
    ),
    underwriter: null,
  };
}
