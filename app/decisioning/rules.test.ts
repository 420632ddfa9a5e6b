import { describe, expect, it } from "vitest";
import { defaultRules } from "./default-rules";
import { buildFacts } from "./facts";
import { calculateScore } from "./score";
import { applicantInputs } from "./testing";
import {
  compileRules,
  ruleOutcome,
  RuleValidationError,
  validateRules,
  type Operator,
  type Rule,
  type RuleAction,
} from "./rules";

const rule = (
  field: string,
  operator: Operator,
  value: unknown,
  action: RuleAction = "manual_review",
  reasonCode = "thin_file",
): Rule => ({
  key: "r",
  name: "test rule",
  field,
  operator,
  value,
  action,
  reasonCode,
});

const factsFor = (...args: Parameters<typeof applicantInputs>) => {
  const inputs = applicantInputs(...args);
  return buildFacts(inputs, calculateScore(inputs));
};
const fires = (r: Rule, facts = factsFor("7800")) => compileRules([r]).fired(facts)[0];

describe("operators", () => {
  const facts = factsFor("7800"); // score 780, 6 tradelines, KYC approved, no public records

  it("eq compares exactly", () => {
    expect(fires(rule("kyc.status", "eq", "approved"), facts)).toBe(true);
    expect(fires(rule("kyc.status", "eq", "needs_review"), facts)).toBe(false);
    expect(fires(rule("bank.linked", "eq", true), facts)).toBe(true);
    expect(fires(rule("credit.score", "eq", 780), facts)).toBe(true);
  });

  it("gt, gte, lt, lte compare numbers, and never fire on an unknown value", () => {
    expect(fires(rule("credit.score", "gt", 779), facts)).toBe(true);
    expect(fires(rule("credit.score", "gt", 780), facts)).toBe(false);
    expect(fires(rule("credit.score", "gte", 780), facts)).toBe(true);
    expect(fires(rule("credit.score", "lt", 781), facts)).toBe(true);
    expect(fires(rule("credit.score", "lt", 780), facts)).toBe(false);
    expect(fires(rule("credit.score", "lte", 780), facts)).toBe(true);
    const noScore = factsFor("3333");
    expect(fires(rule("credit.score", "lt", 580), noScore)).toBe(false);
    expect(fires(rule("credit.score", "gte", 0), noScore)).toBe(false);
  });

  it("in checks membership of a single value", () => {
    expect(fires(rule("kyc.status", "in", ["approved", "completed"]), facts)).toBe(true);
    expect(fires(rule("kyc.status", "in", ["failed", "declined"]), facts)).toBe(false);
    expect(
      fires(rule("kyc.status", "in", ["failed"]), factsFor("7800", { kyc: { status: null } })),
    ).toBe(false);
  });

  it("includes and not_includes look into lists", () => {
    const bankrupt = factsFor("0000");
    expect(fires(rule("credit.publicRecords", "includes", "bankruptcy"), bankrupt)).toBe(true);
    expect(fires(rule("credit.publicRecords", "includes", "bankruptcy"), facts)).toBe(false);
    expect(fires(rule("credit.publicRecords", "not_includes", "bankruptcy"), facts)).toBe(true);
    expect(fires(rule("credit.publicRecords", "not_includes", "bankruptcy"), bankrupt)).toBe(false);
    const fraud = factsFor("7800", { kyc: { fraudSignals: ["synthetic_identity"] } });
    expect(fires(rule("kyc.fraudSignals", "includes", "synthetic_identity"), fraud)).toBe(true);
  });

  it("exists tells known from unknown facts", () => {
    const noIncome = factsFor("7800", { application: { monthlyIncomeCents: null } });
    expect(fires(rule("application.monthlyIncomeCents", "exists", false), noIncome)).toBe(true);
    expect(fires(rule("application.monthlyIncomeCents", "exists", true), noIncome)).toBe(false);
    expect(fires(rule("application.monthlyIncomeCents", "exists", true), facts)).toBe(true);
    const noBank = factsFor("7800", { bank: null });
    expect(fires(rule("bank.averageBalanceCents", "exists", false), noBank)).toBe(true);
  });

  it("records each rule's actual value next to its result", () => {
    const [result] = compileRules([rule("credit.score", "lt", 650)]).results(facts);
    expect(result).toMatchObject({
      field: "credit.score",
      operator: "lt",
      value: 650,
      actual: 780,
      fired: false,
    });
  });
});

describe("precedence", () => {
  const always = (key: string, action: RuleAction, reasonCode: string | null): Rule => ({
    key,
    name: key,
    field: "bank.linked",
    operator: "eq",
    value: true,
    action,
    reasonCode,
  });
  const never = (key: string, action: RuleAction, reasonCode: string | null): Rule => ({
    ...always(key, action, reasonCode),
    value: false,
  });
  const outcome = (rules: Rule[]) =>
    ruleOutcome(rules, compileRules(rules).fired(factsFor("7800")));

  it("any decline wins over manual review and approve", () => {
    const result = outcome([
      always("ok", "approve", null),
      always("review", "manual_review", "thin_file"),
      always("no", "decline", "bankruptcy"),
    ]);
    expect(result.status).toBe("declined");
    expect(result.declineReasons).toEqual(["bankruptcy"]);
    expect(result.reviewReasons).toEqual(["thin_file"]);
  });

  it("manual review wins over approve", () => {
    expect(
      outcome([always("ok", "approve", null), always("review", "manual_review", "thin_file")])
        .status,
    ).toBe("manual_review");
  });

  it("approves when no decline or review rule fires, recording approve rules that did", () => {
    const result = outcome([
      always("prime", "approve", null),
      never("no", "decline", "bankruptcy"),
    ]);
    expect(result).toMatchObject({ status: "approved", approvals: ["prime"], declineReasons: [] });
  });

  it("keeps decline reasons in rule order (order of importance), once each", () => {
    const result = outcome([
      always("income", "decline", "income_below_floor"),
      always("bk", "decline", "bankruptcy"),
      always("income_again", "decline", "income_below_floor"),
    ]);
    expect(result.declineReasons).toEqual(["income_below_floor", "bankruptcy"]);
  });
});

describe("publishing rules", () => {
  it("the default rule set is publishable", () => {
    expect(validateRules(defaultRules)).toEqual([]);
  });

  it("refuses an unknown field, suggesting the closest one", () => {
    expect(validateRules([rule("credit.scor", "lt", 600)])).toEqual([
      'Rule "r": unknown field "credit.scor" (did you mean "credit.score"?)',
    ]);
  });

  it("refuses an unknown operator", () => {
    expect(validateRules([rule("credit.score", "between" as Operator, [1, 2])])[0]).toMatch(
      /unknown operator "between"/,
    );
  });

  it("refuses values that cannot match the field", () => {
    const problems = (r: Rule) => validateRules([r]).join("\n");
    expect(problems(rule("kyc.status", "gt", 3))).toMatch(
      /"gt" compares numbers; kyc.status is a string/,
    );
    expect(problems(rule("credit.score", "lt", "650"))).toMatch(/needs a number, not "650"/);
    expect(problems(rule("kyc.status", "eq", "needs-review"))).toMatch(
      /"needs-review" is not one of/,
    );
    expect(problems(rule("credit.publicRecords", "eq", "bankruptcy"))).toMatch(/use includes/);
    expect(problems(rule("credit.score", "includes", 700))).toMatch(/needs a list field/);
    expect(problems(rule("kyc.status", "in", []))).toMatch(/non-empty list/);
    expect(problems(rule("bank.linked", "exists", "yes"))).toMatch(/needs true or false/);
  });

  it("refuses a decline without a reason a borrower can read", () => {
    expect(validateRules([rule("credit.score", "lt", 500, "decline", "")]).join()).toMatch(
      /needs a reason code/,
    );
    expect(validateRules([rule("credit.score", "lt", 500, "decline", "made_up")]).join()).toMatch(
      /unknown reason code "made_up"/,
    );
    expect(validateRules([rule("credit.score", "lt", 500, "decline", "thin_file")]).join()).toMatch(
      /no consumer wording/,
    );
  });

  it("refuses duplicate keys, bad keys and empty sets", () => {
    expect(validateRules([])).toEqual(["A rule set needs at least one rule"]);
    const r = rule("credit.score", "lt", 600);
    expect(validateRules([r, r]).join()).toMatch(/key is used twice/);
    expect(validateRules([{ ...r, key: "Bad Key" }]).join()).toMatch(/lower_snake_case/);
  });

  it("will not compile what it would not publish", () => {
    expect(() => compileRules([rule("credit.scor", "lt", 600)])).toThrow(RuleValidationError);
    try {
      compileRules([rule("credit.scor", "lt", 600)]);
    } catch (error) {
      expect((error as RuleValidationError).message).toContain('unknown field "credit.scor"');
    }
  });
});
