import type { DecisionSnapshot } from "./engine";
import { reasonCatalogue, reasonSpec } from "./reasons";

/**
 * Which decline reasons a decision's evidence supports (docs/product/lending.md "Conditions and reasons are
 * enforced"; ADR 036). An underwriter declining after a review may give these at once; any other
 * reason needs a written justification and a second operator's approval. Pure: it reads only the
 * engine's snapshot of the decision under review.
 *
 * Evidence, in three kinds:
 * - **rule**: a decline rule that fired gives its own reason code;
 * - **bureau**: the credit report itself — a bankruptcy or a judgment/lien on file, delinquencies
 *   or past-due amounts, a thin or empty file, the score's key factors (whose wording *is* the
 *   consumer reason of a score decline) and inquiries named as a key factor;
 * - **review finding**: why the engine sent the application to a person (fired review rules and
 *   the engine's own reasons), mapped to the decline reason it can justify.
 */
export type EvidenceKind = "rule" | "bureau" | "review_finding";
export type Evidence = { kind: EvidenceKind; text: string };
export type SupportedReason = { code: string; evidence: Evidence[] };

/** The decline reason each review finding can justify (none for outages and pricing limits). */
export const reviewFindingSupports: Record<string, string> = {
  low_credit_score: "credit_score_below_floor",
  score_below_pricing_tiers: "credit_score_below_floor",
  thin_file: "limited_credit_experience",
  no_credit_score: "no_credit_file",
  high_debt_to_income: "excessive_obligations",
  kyc_fraud_signals: "identity_not_verified",
  kyc_needs_review: "identity_not_verified",
  kyc_not_verified: "identity_not_verified",
  no_bank_data: "income_not_verified",
  missing_income: "income_not_verified",
  no_affordable_offer: "income_below_floor",
};

/** Fewer tradelines than this is a thin file (the default rules' review threshold). */
const thinFileTradelines = 3;

type SnapshotEvidence = Pick<DecisionSnapshot, "inputs" | "result">;

export function supportedDeclineReasons(snapshot: SnapshotEvidence): SupportedReason[] {
  const found = new Map<string, Evidence[]>();
  const add = (code: string, evidence: Evidence) => {
    const spec = reasonSpec(code);
    if (spec?.kind !== "decline" || !spec.consumer) return;
    const list = found.get(code) ?? [];
    if (!list.some((e) => e.kind === evidence.kind && e.text === evidence.text))
      list.push(evidence);
    found.set(code, list);
  };

  for (const rule of snapshot.result.ruleResults) {
    if (!rule.fired || !rule.reasonCode) continue;
    if (rule.action === "decline") {
      add(rule.reasonCode, {
        kind: "rule",
        text: `Rule ${rule.key} fired (${rule.field} was ${show(rule.actual)})`,
      });
    }
  }

  const credit = snapshot.inputs.credit;
  if (credit.status === "ok") {
    const report = credit.report;
    const records = new Set(report.publicRecords.map((r) => r.type));
    if (records.has("bankruptcy")) {
      add("bankruptcy", { kind: "bureau", text: "A bankruptcy is on the credit report" });
    }
    for (const type of ["judgment", "lien"] as const) {
      if (records.has(type)) {
        add("collection_or_judgment", {
          kind: "bureau",
          text: `A ${type} is on the credit report`,
        });
      }
    }
    const delinquencies = report.tradelines.reduce(
      (n, t) => n + t.delinquencies30 + t.delinquencies60 + t.delinquencies90,
      0,
    );
    const pastDueCents = report.tradelines.reduce((n, t) => n + t.pastDueCents, 0);
    if (delinquencies > 0 || pastDueCents > 0) {
      add("delinquent_obligations", {
        kind: "bureau",
        text: `${delinquencies} late payment(s) and ${pastDueCents > 0 ? "an amount past due" : "nothing past due"} on the credit report`,
      });
    }
    if (report.tradelines.length === 0) {
      add("no_credit_file", { kind: "bureau", text: "The credit report lists no accounts" });
    } else if (report.tradelines.length < thinFileTradelines) {
      add("limited_credit_experience", {
        kind: "bureau",
        text: `Only ${report.tradelines.length} account(s) on the credit report`,
      });
    }
    // Key factors explain a score; they support a score decline only where the score was
    // itself a finding (a rule on it fired, or it fell below the review line or every tier).
    const scoreFlagged =
      snapshot.result.ruleResults.some((r) => r.fired && r.field === "credit.score") ||
      snapshot.result.reviewReasons.some(
        (c) => reviewFindingSupports[c] === "credit_score_below_floor",
      );
    if (scoreFlagged && report.score !== null && report.scoreFactors.length > 0) {
      const factors = report.scoreFactors.slice(0, 4).map((f) => f.description);
      add("credit_score_below_floor", {
        kind: "bureau",
        text: `Key factors of the ${report.score} score: ${factors.join("; ")}`,
      });
    }
    if (report.scoreFactors.some((f) => f.inquiries)) {
      add("too_many_inquiries", {
        kind: "bureau",
        text: "Inquiries are a key factor of the score",
      });
    }
  }

  for (const code of snapshot.result.reviewReasons) {
    const supports = reviewFindingSupports[code];
    if (supports) {
      add(supports, { kind: "review_finding", text: reasonSpec(code)?.ops ?? code });
    }
  }

  // Catalogue order, so the form lists reasons the same way every time.
  return Object.keys(reasonCatalogue)
    .filter((code) => found.has(code))
    .map((code) => ({ code, evidence: found.get(code)! }));
}

/** Splits chosen reason codes into those the evidence supports and the others, keeping order. */
export function classifyDeclineReasons(
  codes: readonly string[],
  supported: readonly SupportedReason[],
): { supported: string[]; unsupported: string[] } {
  const ok = new Set(supported.map((s) => s.code));
  return {
    supported: codes.filter((c) => ok.has(c)),
    unsupported: codes.filter((c) => !ok.has(c)),
  };
}

/** A justification for an unsupported reason: the least a second operator can judge. */
export const minJustificationLength = 20;

function show(value: unknown) {
  if (value === null || value === undefined) return "unknown";
  return Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
}
