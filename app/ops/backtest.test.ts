import { describe, expect, it } from "vitest";
import { defaultRules } from "~/app/decisioning/default-rules";
import { defaultPricingTable } from "~/app/decisioning/default-pricing";
import { buildSnapshot, evaluate, type DecisionSnapshot } from "~/app/decisioning/engine";
import { applicantInputs, loadedPricing, loadedRuleSet } from "~/app/decisioning/testing";
import { backtest, createBacktest } from "./backtest";

const live = {
  ruleSet: loadedRuleSet(defaultRules, 1),
  pricing: loadedPricing(defaultPricingTable, 1),
};

/** Decisions as decide() stores them: the engine's snapshot of each sandbox applicant. */
function snapshotsOf(cases: string[], policy = live) {
  return cases.map((ssnLast4, index) => {
    const inputs = applicantInputs(ssnLast4, { application: { id: `app_${ssnLast4}_${index}` } });
    const result = evaluate(inputs, policy.ruleSet, policy.pricing);
    return {
      id: `dec_${index}`,
      snapshot: buildSnapshot(inputs, policy.ruleSet, policy.pricing, result) as DecisionSnapshot,
    };
  });
}

// 7800 approved (tier A), 6200 manual review (score below 650), 0000 and 2222 declined.
const cases = ["7800", "6200", "0000", "2222"];

const reviewAt600 = defaultRules.map((rule) =>
  rule.key === "credit_score_review"
    ? { ...rule, value: 600, name: "Credit score below 600" }
    : rule,
);

describe("back-test", () => {
  it("the live version over its own decisions changes nothing", () => {
    const result = backtest(live, live, snapshotsOf(cases));
    expect(result.before).toEqual(result.after);
    expect(result.changedCount).toBe(0);
    expect(result.before).toMatchObject({
      decisions: 4,
      approved: 1,
      declined: 2,
      review: 1,
      approvalRate: "25.0",
      declineRate: "50.0",
      reviewRate: "25.0",
      offersByTier: { A: 1 },
      fundedVolumeCents: 800_000,
    });
    expect(result.before.averageApr).toMatch(/^\d+\.\d{3}$/);
  });

  it("a draft that lowers the review floor approves the 620 applicant: figures and the changed list", () => {
    const draft = { ruleSet: loadedRuleSet(reviewAt600, 2), pricing: live.pricing };
    const result = backtest(live, draft, snapshotsOf(cases));
    expect(result.after).toMatchObject({
      decisions: 4,
      approved: 2,
      declined: 2,
      review: 0,
      approvalRate: "50.0",
      reviewRate: "0.0",
      fundedVolumeCents: 1_600_000,
    });
    expect(result.changedCount).toBe(1);
    expect(result.changes).toHaveLength(1);
    const [change] = result.changes;
    expect(change!.applicationId).toBe("app_6200_1");
    expect(change!.before.status).toBe("manual_review");
    expect(change!.before.reasons).toContain("low_credit_score");
    expect(change!.after.status).toBe("approved");
    expect(change!.after.offers).toBeGreaterThan(0);
    expect(change!.after.tier).not.toBeNull();
    // Tier A's rates are below the 620 applicant's tier: the mean APR of all offers rises.
    expect(Number(result.after.averageApr)).toBeGreaterThan(Number(result.before.averageApr));
  });

  it("decisions made under an older version are compared with the live version, not their stored result", () => {
    const old = { ruleSet: loadedRuleSet(reviewAt600, 1), pricing: live.pricing };
    const current = { ruleSet: loadedRuleSet(defaultRules, 2), pricing: live.pricing };
    // Stored under the old (lenient) rules; the live version is the stricter one.
    const result = backtest(current, current, snapshotsOf(cases, old));
    expect(result.changedCount).toBe(0);
    expect(result.before.review).toBe(1);
  });

  it("a pricing draft that raises a tier's rate changes that tier's offers and the average APR", () => {
    const table = structuredClone(defaultPricingTable);
    table.tiers[0]!.terms = table.tiers[0]!.terms.map((term) => ({ ...term, noteRate: "19.990" }));
    const draft = { ruleSet: live.ruleSet, pricing: loadedPricing(table, 2) };
    const result = backtest(live, draft, snapshotsOf(cases));
    expect(result.after.approved).toBe(result.before.approved);
    expect(Number(result.after.averageApr)).toBeGreaterThan(Number(result.before.averageApr));
    expect(result.changes.map((c) => c.applicationId)).toEqual(["app_7800_0"]);
  });

  it("counts snapshots without inputs as skipped and keeps only the first changes", () => {
    const draft = { ruleSet: loadedRuleSet(reviewAt600, 2), pricing: live.pricing };
    const run = createBacktest(live, draft, { changeLimit: 2 });
    for (const { id, snapshot } of snapshotsOf(["6200", "6200", "6200"])) run.add(snapshot, id);
    run.add({ snapshotVersion: 1 } as DecisionSnapshot, "dec_old");
    const result = run.result();
    expect(result.changedCount).toBe(3);
    expect(result.changes).toHaveLength(2);
    expect(result.skipped).toBe(1);
  });
});
