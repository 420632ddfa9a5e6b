import { fieldCatalogue } from "~/app/decisioning/facts";
import { ruleActions, type Operator, type Rule, type RuleAction } from "~/app/decisioning/rules";
import { centsToDollarInput, dollarsToCents } from "~/app/money/dollars";

/**
 * The rule editor's plain HTML form: one table row per rule (`rule-<i>-key`, `-name`, `-field`,
 * `-operator`, `-value`, `-action`, `-reasonCode`), `ruleCount` rows, plus one empty row at the
 * end for a new rule. Every button of the editor posts the whole form, so no edit is lost to
 * a round trip without JavaScript. Nothing here touches the database.
 */
export type RuleRow = {
  key: string;
  name: string;
  field: string;
  operator: string;
  value: string;
  action: string;
  reasonCode: string;
};

export const ruleRowFields = [
  "key",
  "name",
  "field",
  "operator",
  "value",
  "action",
  "reasonCode",
] as const satisfies readonly (keyof RuleRow)[];

export const emptyRuleRow: RuleRow = {
  key: "",
  name: "",
  field: "",
  operator: "",
  value: "",
  action: "",
  reasonCode: "",
};

export const ruleInputName = (index: number, field: keyof RuleRow) => `rule-${index}-${field}`;

/** What a button of the editor asks for, besides saving. */
export type EditorIntent =
  | { kind: "save" | "validate" | "dry-run" | "publish" }
  | { kind: "remove" | "up" | "down"; index: number };

export function parseEditorIntent(value: unknown): EditorIntent | null {
  if (value === "save" || value === "validate" || value === "dry-run" || value === "publish") {
    return { kind: value };
  }
  const match = typeof value === "string" ? /^(remove|up|down):(\d{1,4})$/.exec(value) : null;
  if (!match) return null;
  return { kind: match[1] as "remove" | "up" | "down", index: Number(match[2]) };
}

/** Removes or moves a row (indexes are those of the posted rows); other intents leave rows as they are. */
export function applyRowIntent(rows: readonly RuleRow[], intent: EditorIntent): RuleRow[] {
  const out = [...rows];
  if (intent.kind !== "remove" && intent.kind !== "up" && intent.kind !== "down") return out;
  const { index } = intent;
  if (index < 0 || index >= out.length) return out;
  if (intent.kind === "remove") out.splice(index, 1);
  const other = intent.kind === "up" ? index - 1 : index + 1;
  if (intent.kind !== "remove" && other >= 0 && other < out.length) {
    [out[index], out[other]] = [out[other]!, out[index]!];
  }
  return out;
}

const numberPattern = /^-?\d+(\.\d+)?$/;

/**
 * A money fact (`application.amountCents`, `bank.minimumBalanceCents`, …): people type and read
 * its value in dollars ("1,500", "$2,000.50"); the rule stores integer cents, as the facts are
 * (issue 18: rule amounts were typed in cents, a typo away from a factor of 100).
 */
export function isMoneyField(field: string): boolean {
  return fieldCatalogue[field]?.type === "number" && field.endsWith("Cents");
}

function scalar(textValue: string, type: string | undefined): unknown {
  if (textValue === "") return null;
  // Dollars → cents exactly (dollarsToCents: digit strings, never floats); kept as typed otherwise.
  if (type === "money") return dollarsToCents(textValue) ?? textValue;
  // A JSON string literal is always a string ("\"580\"" stays a string, and so fails a number field).
  if (textValue.startsWith('"')) {
    try {
      return JSON.parse(textValue) as unknown;
    } catch {
      return textValue;
    }
  }
  if (type === "number") return numberPattern.test(textValue) ? Number(textValue) : textValue;
  if (type === "boolean") {
    if (textValue === "true") return true;
    if (textValue === "false") return false;
    return textValue;
  }
  if (type === "string" || type === "string[]") return textValue;
  try {
    return JSON.parse(textValue) as unknown;
  } catch {
    return textValue;
  }
}

/**
 * A rule's value from what was typed, by the field's type: `580` is a number for a number
 * field, `1,500.00` is 150000 cents for a money field (amounts in dollars; a list of amounts
 * for `in` is written without thousands separators), `bankruptcy` (or `"bankruptcy"`) a string, `true`/`false` a boolean; `in` takes a
 * comma-separated list or a JSON array; `exists` takes true or false. Anything that does not fit
 * is kept as typed, and the rule validation then says what is wrong with it.
 */
export function parseRuleValue(textValue: string, field: string, operator: string): unknown {
  const value = textValue.trim();
  const type = isMoneyField(field) ? "money" : fieldCatalogue[field]?.type;
  if (operator === "exists") return scalar(value, "boolean");
  if (operator === "in") {
    if (value === "") return null;
    if (value.startsWith("[")) {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    }
    return value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "")
      .map((item) => scalar(item, type));
  }
  return scalar(value, type);
}

/** The inverse of parseRuleValue, for showing a stored value in the form. */
export function formatRuleValue(value: unknown, field: string, operator: string): string {
  if (value === null || value === undefined) return "";
  if (isMoneyField(field) && operator !== "exists") {
    const dollars = (item: unknown) =>
      Number.isSafeInteger(item) && (item as number) >= 0
        ? centsToDollarInput(item as number)
        : JSON.stringify(item);
    if (operator === "in" && Array.isArray(value)) return value.map(dollars).join(", ");
    if (!Array.isArray(value)) return dollars(value);
  }
  const type = fieldCatalogue[field]?.type;
  const plain = (item: unknown) => {
    // A string that would read back as something else is written as JSON.
    if (typeof item === "string") {
      return item !== "" && parseRuleValue(item, field, "eq") === item && !item.includes(",")
        ? item
        : JSON.stringify(item);
    }
    return JSON.stringify(item);
  };
  if (operator === "in" && Array.isArray(value)) {
    const items = value.map(plain);
    const roundTrips =
      value.length > 0 &&
      JSON.stringify(parseRuleValue(items.join(", "), field, operator)) === JSON.stringify(value);
    return roundTrips ? items.join(", ") : JSON.stringify(value);
  }
  if (typeof value === "string") {
    return type === "string" || type === "string[]" ? plain(value) : JSON.stringify(value);
  }
  return JSON.stringify(value);
}

export function ruleToRow(rule: Rule): RuleRow {
  return {
    key: rule.key,
    name: rule.name,
    field: rule.field,
    operator: rule.operator,
    value: formatRuleValue(rule.value, rule.field, rule.operator),
    action: rule.action,
    reasonCode: rule.reasonCode ?? "",
  };
}

export type RowsToRules =
  | { ok: true; rules: Rule[] }
  /** Problems that stop the draft from being saved at all (the key is its identity). */
  | { ok: false; problems: string[] };

/**
 * Rows → rules for saving a draft. A draft may hold rules that would not publish (validation
 * says why), but every rule needs its own key and a known action to be stored.
 */
export function rowsToRules(rows: readonly RuleRow[]): RowsToRules {
  const problems: string[] = [];
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    const label = `Row ${index + 1}${row.key ? ` ("${row.key}")` : ""}`;
    if (!row.key) problems.push(`${label}: needs a key`);
    else if (seen.has(row.key)) problems.push(`${label}: the key "${row.key}" is used twice`);
    seen.add(row.key);
    if (!(ruleActions as readonly string[]).includes(row.action)) {
      problems.push(`${label}: choose an action`);
    }
    if (isMoneyField(row.field) && row.operator !== "exists" && !moneyValueReads(row)) {
      problems.push(
        `${label}: enter the amount in dollars, like 1500 or 1,500.00 (at most two decimals)`,
      );
    }
  });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    rules: rows.map((row) => ({
      key: row.key,
      name: row.name,
      field: row.field,
      operator: row.operator as Operator,
      value: parseRuleValue(row.value, row.field, row.operator),
      action: row.action as RuleAction,
      reasonCode: row.reasonCode.trim() || null,
    })),
  };
}

/** A money rule's value reads as dollars (every item of an `in` list); empty is left to validation. */
function moneyValueReads(row: RuleRow): boolean {
  if (row.value === "") return true;
  const value = parseRuleValue(row.value, row.field, row.operator);
  const items = Array.isArray(value) ? value : [value];
  return items.every((item) => Number.isSafeInteger(item));
}

export type RuleProblems = { position: number | null; key: string | null; messages: string[] };

/**
 * validateRules' messages grouped by the rule they are about ("Rule "key": …"), in rule
 * order, then the messages about the set as a whole.
 */
export function groupProblems(rules: readonly Rule[], problems: readonly string[]): RuleProblems[] {
  const groups: RuleProblems[] = [];
  const general: string[] = [];
  const byKey = new Map<string, RuleProblems>();
  rules.forEach((rule, index) => {
    if (byKey.has(rule.key)) return;
    const group = { position: index + 1, key: rule.key, messages: [] as string[] };
    byKey.set(rule.key, group);
    groups.push(group);
  });
  for (const problem of problems) {
    const match = /^Rule "(.*?)": (.*)$/s.exec(problem);
    const group = match ? byKey.get(match[1] === "(no key)" ? "" : match[1]!) : undefined;
    if (group && match) group.messages.push(match[2]!);
    else general.push(problem);
  }
  const out = groups.filter((group) => group.messages.length > 0);
  if (general.length > 0) out.push({ position: null, key: null, messages: general });
  return out;
}
