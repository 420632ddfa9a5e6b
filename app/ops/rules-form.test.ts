import { describe, expect, it } from "vitest";
import { defaultRules } from "~/app/decisioning/default-rules";
import { validateRules, type Rule } from "~/app/decisioning/rules";
import {
  applyRowIntent,
  emptyRuleRow,
  formatRuleValue,
  groupProblems,
  isMoneyField,
  parseEditorIntent,
  parseRuleValue,
  ruleInputName,
  ruleRowFields,
  rowsToRules,
  ruleToRow,
  type RuleRow,
} from "./rules-form";
import { readRuleRows } from "./rules-forms.server";

/** The form a browser would post for these rows (plus the empty new-rule row). */
function formFor(rows: RuleRow[], extra: Partial<RuleRow> = {}) {
  const form = new FormData();
  form.set("ruleCount", String(rows.length));
  rows.forEach((row, index) => {
    for (const field of ruleRowFields) form.set(ruleInputName(index, field), row[field]);
  });
  for (const field of ruleRowFields) {
    form.set(ruleInputName(rows.length, field), extra[field] ?? "");
  }
  return form;
}

describe("rule values", () => {
  it("of money facts are typed and shown in dollars and stored in cents, exactly", () => {
    const field = "application.monthlyIncomeCents";
    expect(parseRuleValue("1,500", field, "lt")).toBe(150_000);
    expect(parseRuleValue("$2,000.29", field, "gte")).toBe(200_029);
    expect(parseRuleValue("1500, 2500.5", field, "in")).toEqual([150_000, 250_050]);
    expect(formatRuleValue(150_000, field, "lt")).toBe("1500.00");
    expect(formatRuleValue([150_000, 250_050], field, "in")).toBe("1500.00, 2500.50");
    expect(formatRuleValue(false, field, "exists")).toBe("false");
    // Not an amount: kept as typed for validation, and the row is refused before saving.
    expect(parseRuleValue("15.005", field, "lt")).toBe("15.005");
    const row = { ...emptyRuleRow, key: "floor", field, operator: "lt", action: "decline" };
    expect(rowsToRules([{ ...row, value: "15.005" }])).toEqual({
      ok: false,
      problems: [
        'Row 1 ("floor"): enter the amount in dollars, like 1500 or 1,500.00 (at most two decimals)',
      ],
    });
    const saved = rowsToRules([{ ...row, value: "1,250.00" }]);
    expect(saved.ok && saved.rules[0]!.value).toBe(125_000);
    expect(isMoneyField(field)).toBe(true);
    expect(isMoneyField("credit.score")).toBe(false);
  });

  it("are typed by the field", () => {
    expect(parseRuleValue("580", "credit.score", "lt")).toBe(580);
    expect(parseRuleValue("50.5", "ratios.debtToIncomePct", "gt")).toBe(50.5);
    expect(parseRuleValue("bankruptcy", "credit.publicRecords", "includes")).toBe("bankruptcy");
    expect(parseRuleValue('"bankruptcy"', "credit.publicRecords", "includes")).toBe("bankruptcy");
    expect(parseRuleValue("false", "credit.hasScore", "eq")).toBe(false);
    expect(parseRuleValue("true", "application.monthlyIncomeCents", "exists")).toBe(true);
    expect(parseRuleValue("pending, failed", "kyc.status", "in")).toEqual(["pending", "failed"]);
    expect(parseRuleValue('["pending","failed"]', "kyc.status", "in")).toEqual([
      "pending",
      "failed",
    ]);
    expect(parseRuleValue("700, 720", "credit.score", "in")).toEqual([700, 720]);
    expect(parseRuleValue("", "credit.score", "lt")).toBeNull();
  });

  it("keep what does not fit, so validation can say what is wrong", () => {
    expect(parseRuleValue("abc", "credit.score", "lt")).toBe("abc");
    expect(parseRuleValue('"580"', "credit.score", "lt")).toBe("580");
    expect(parseRuleValue("yes", "credit.hasScore", "eq")).toBe("yes");
    const problems = validateRules([
      {
        key: "floor",
        name: "Floor",
        field: "credit.score",
        operator: "lt",
        value: parseRuleValue("abc", "credit.score", "lt"),
        action: "decline",
        reasonCode: "credit_score_below_floor",
      },
    ]);
    expect(problems).toEqual(['Rule "floor": credit.score lt needs a number, not "abc"']);
  });

  it("round-trip through the form for every default rule", () => {
    for (const rule of defaultRules) {
      const text = formatRuleValue(rule.value, rule.field, rule.operator);
      expect(parseRuleValue(text, rule.field, rule.operator), rule.key).toEqual(rule.value);
    }
    expect(formatRuleValue(["created", "pending"], "kyc.status", "in")).toBe("created, pending");
    // A string in a number field is shown as JSON, so it reads back as the same string.
    expect(formatRuleValue("580", "credit.score", "lt")).toBe('"580"');
    expect(formatRuleValue("a,b", "kyc.status", "eq")).toBe('"a,b"');
    expect(parseRuleValue('"a,b"', "kyc.status", "eq")).toBe("a,b");
  });
});

describe("the editor form", () => {
  const rows = defaultRules.slice(0, 3).map(ruleToRow);

  it("reads every row in order and ignores the empty new-rule row", () => {
    const read = readRuleRows(formFor(rows));
    expect(read).toEqual(rows);
    const converted = rowsToRules(read);
    expect(converted).toEqual({ ok: true, rules: defaultRules.slice(0, 3) });
  });

  it("adds the new-rule row when it is filled in", () => {
    const read = readRuleRows(
      formFor(rows, {
        key: " score_band ",
        name: "Score band",
        field: "credit.score",
        operator: "in",
        value: "721, 722",
        action: "manual_review",
        reasonCode: "low_credit_score",
      }),
    );
    expect(read).toHaveLength(4);
    const converted = rowsToRules(read);
    expect(converted.ok && converted.rules[3]).toEqual({
      key: "score_band",
      name: "Score band",
      field: "credit.score",
      operator: "in",
      value: [721, 722],
      action: "manual_review",
      reasonCode: "low_credit_score",
    } satisfies Rule);
  });

  it("refuses to save rows without a key, with a key used twice or without an action", () => {
    const twice = [...rows, { ...rows[0]!, name: "Again" }];
    expect(rowsToRules(twice)).toEqual({
      ok: false,
      problems: ['Row 4 ("bankruptcy"): the key "bankruptcy" is used twice'],
    });
    const read = readRuleRows(formFor(rows, { name: "No key", value: "1" }));
    expect(rowsToRules(read)).toEqual({
      ok: false,
      problems: ["Row 4: needs a key", "Row 4: choose an action"],
    });
  });

  it("removes and moves rows", () => {
    const keys = (list: RuleRow[]) => list.map((row) => row.key);
    expect(keys(applyRowIntent(rows, { kind: "remove", index: 1 }))).toEqual([
      "bankruptcy",
      "income_floor",
    ]);
    expect(keys(applyRowIntent(rows, { kind: "up", index: 2 }))).toEqual([
      "bankruptcy",
      "income_floor",
      "credit_score_floor",
    ]);
    expect(keys(applyRowIntent(rows, { kind: "down", index: 0 }))).toEqual([
      "credit_score_floor",
      "bankruptcy",
      "income_floor",
    ]);
    // Out of range: nothing moves.
    expect(keys(applyRowIntent(rows, { kind: "up", index: 0 }))).toEqual(keys(rows));
    expect(keys(applyRowIntent(rows, { kind: "down", index: 2 }))).toEqual(keys(rows));
    expect(keys(applyRowIntent(rows, { kind: "remove", index: 9 }))).toEqual(keys(rows));
  });

  it("parses the buttons' intents", () => {
    expect(parseEditorIntent("publish")).toEqual({ kind: "publish" });
    expect(parseEditorIntent("down:12")).toEqual({ kind: "down", index: 12 });
    expect(parseEditorIntent("remove:x")).toBeNull();
    expect(parseEditorIntent("drop")).toBeNull();
    expect(parseEditorIntent(null)).toBeNull();
  });
});

describe("validation messages", () => {
  it("are grouped by the rule they are about, in rule order", () => {
    const rules: Rule[] = [
      { ...defaultRules[0]!, field: "credit.publicRecord" },
      defaultRules[1]!,
      { ...defaultRules[2]!, action: "decline", reasonCode: "low_credit_score" },
    ];
    const groups = groupProblems(rules, validateRules(rules));
    expect(groups).toEqual([
      {
        position: 1,
        key: "bankruptcy",
        messages: ['unknown field "credit.publicRecord" (did you mean "credit.publicRecords"?)'],
      },
      {
        position: 3,
        key: "income_floor",
        messages: [
          'reason "low_credit_score" has no consumer wording for an adverse action notice; a decline needs a decline reason',
        ],
      },
    ]);
    expect(groupProblems([], validateRules([]))).toEqual([
      { position: null, key: null, messages: ["A rule set needs at least one rule"] },
    ]);
  });
});
