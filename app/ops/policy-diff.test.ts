import { describe, expect, it } from "vitest";
import { defaultPricingTable } from "~/app/decisioning/default-pricing";
import { defaultRules } from "~/app/decisioning/default-rules";
import { canonicalJson, pricingDiff, rulesDiff } from "./policy-diff";

describe("policy diff", () => {
  it("an unchanged rule set or table is empty", () => {
    expect(rulesDiff(defaultRules, structuredClone(defaultRules)).empty).toBe(true);
    expect(pricingDiff(defaultPricingTable, structuredClone(defaultPricingTable)).empty).toBe(true);
  });

  it("lists added, removed and changed rules with their amounts in dollars", () => {
    const draft = defaultRules
      .filter((rule) => rule.key !== "bankruptcy")
      .map((rule) => (rule.key === "income_floor" ? { ...rule, value: 200_000 } : rule));
    draft.push({
      key: "big_ticket",
      name: "Amount above $20,000",
      field: "application.amountCents",
      operator: "gt",
      value: 2_000_000,
      action: "manual_review",
      reasonCode: "amount_above_limit",
    });
    const diff = rulesDiff(defaultRules, draft);
    expect(diff.empty).toBe(false);
    if (diff.kind !== "rules") throw new Error("rules expected");
    expect(diff.rules.removed.map((r) => r.key)).toEqual(["bankruptcy"]);
    expect(diff.rules.added).toHaveLength(1);
    expect(diff.rules.added[0]!.condition).toContain("20,000");
    expect(diff.rules.changed).toHaveLength(1);
    expect(diff.rules.changed[0]).toMatchObject({ key: "income_floor", what: ["value"] });
    expect(diff.rules.changed[0]!.before.condition).toContain("1,500");
    expect(diff.rules.changed[0]!.after.condition).toContain("2,000");
    expect(diff.rules.reordered).toBe(false);
  });

  it("a new order alone is a change (it orders the notice's reasons)", () => {
    const draft = [defaultRules[1]!, defaultRules[0]!, ...defaultRules.slice(2)];
    const diff = rulesDiff(defaultRules, draft);
    expect(diff.empty).toBe(false);
    if (diff.kind === "rules") expect(diff.rules.reordered).toBe(true);
  });

  it("names changed tiers, terms, rates and fees the way an operator reads them", () => {
    const table = structuredClone(defaultPricingTable);
    const tier = table.tiers[0]!;
    tier.terms[0] = { ...tier.terms[0]!, noteRate: "6.990" };
    tier.maxAmountCents += 100_000;
    const diff = pricingDiff(defaultPricingTable, table);
    if (diff.kind !== "pricing") throw new Error("pricing expected");
    const paths = diff.pricing.map((c) => c.path);
    expect(paths).toContain(`tiers · tier ${tier.name} · maxAmountCents`);
    expect(paths).toContain(
      `tiers · tier ${tier.name} · terms · ${tier.terms[0]!.months} months · noteRate`,
    );
    const rate = diff.pricing.find((c) => c.path.endsWith("noteRate"))!;
    expect(rate.after).toBe("6.990 %");
    const amount = diff.pricing.find((c) => c.path.endsWith("maxAmountCents"))!;
    expect(amount.before).toMatch(/^\$[\d,]+\.\d\d$/);
  });

  it("canonical JSON ignores key order", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(
      canonicalJson({ a: [1, { c: 3, d: 2 }], b: 1 }),
    );
  });
});
