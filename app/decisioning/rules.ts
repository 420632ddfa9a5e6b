import { fieldCatalogue, type FieldSpec, type Facts } from "./facts";
import { reasonSpec } from "./reasons";

/**
 * The rule language of the architecture document (docs/product/architecture.md): `{ field, operator, value } → action`,
 * with a reason code. A rule *fires* when its predicate is true; outcomes combine by
 * precedence: any decline → declined; else any manual review → manual review; else
 * approved. (The architecture's example writes the bankruptcy rule as a requirement,
 * "not_includes … decline"; here that rule is `credit.publicRecords includes "bankruptcy"`.)
 */
export const operators = [
  "eq",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "includes",
  "not_includes",
  "exists",
] as const;
export type Operator = (typeof operators)[number];
export const ruleActions = ["approve", "decline", "manual_review"] as const;
export type RuleAction = (typeof ruleActions)[number];

export type Rule = {
  key: string;
  name: string;
  field: string;
  operator: Operator;
  value: unknown;
  action: RuleAction;
  reasonCode: string | null;
};

export type RuleResult = {
  key: string;
  field: string;
  operator: Operator;
  value: unknown;
  /** What the fact was (null when unknown). */
  actual: unknown;
  fired: boolean;
  action: RuleAction;
  reasonCode: string | null;
};

export class RuleValidationError extends Error {
  override name = "RuleValidationError";
  constructor(readonly problems: string[]) {
    super(`The rule set cannot be published:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

function distance(a: string, b: string) {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function suggestion(field: string) {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of Object.keys(fieldCatalogue)) {
    const d = distance(field.toLowerCase(), known.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best && bestDistance <= Math.max(3, Math.floor(field.length / 4))
    ? ` (did you mean "${best}"?)`
    : "";
}

const describe = (value: unknown) => JSON.stringify(value) ?? String(value);

function scalarProblem(spec: FieldSpec, value: unknown): string | null {
  const type = spec.type === "string[]" ? "string" : spec.type;
  if (type === "number") {
    return typeof value === "number" && Number.isFinite(value)
      ? null
      : `needs a number, not ${describe(value)}`;
  }
  if (typeof value !== type) return `needs a ${type}, not ${describe(value)}`;
  if (spec.values && !spec.values.includes(value as string)) {
    return `${describe(value)} is not one of ${spec.values.map((v) => `"${v}"`).join(", ")}`;
  }
  return null;
}

/** Every reason this rule cannot be published (empty when it can). */
export function validateRule(rule: Rule): string[] {
  const label = `Rule "${rule.key || "(no key)"}"`;
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(rule.key ?? "")) {
    problems.push(
      `${label}: key must be lower_snake_case (letters, digits, _), at most 64 characters`,
    );
  }
  if (!rule.name?.trim()) problems.push(`${label}: needs a name`);
  if (!(ruleActions as readonly string[]).includes(rule.action)) {
    problems.push(`${label}: unknown action "${rule.action}" (use ${ruleActions.join(", ")})`);
  }
  const spec = fieldCatalogue[rule.field];
  if (!spec) problems.push(`${label}: unknown field "${rule.field}"${suggestion(rule.field)}`);
  if (!(operators as readonly string[]).includes(rule.operator)) {
    problems.push(`${label}: unknown operator "${rule.operator}" (use ${operators.join(", ")})`);
  } else if (spec) {
    const op = rule.operator;
    const value = rule.value;
    let problem: string | null = null;
    if (op === "exists") {
      problem = typeof value === "boolean" ? null : `needs true or false, not ${describe(value)}`;
    } else if (op === "gt" || op === "gte" || op === "lt" || op === "lte") {
      problem =
        spec.type === "number"
          ? scalarProblem(spec, value)
          : `"${op}" compares numbers; ${rule.field} is a ${spec.type}`;
    } else if (op === "includes" || op === "not_includes") {
      problem =
        spec.type === "string[]"
          ? scalarProblem(spec, value)
          : `"${op}" needs a list field; ${rule.field} is a ${spec.type}`;
    } else if (op === "in") {
      if (spec.type === "string[]")
        problem = `"in" needs a single-valued field; ${rule.field} is a list`;
      else if (!Array.isArray(value) || value.length === 0)
        problem = `"in" needs a non-empty list of values`;
      else problem = value.map((item) => scalarProblem(spec, item)).find((p) => p !== null) ?? null;
    } else if (op === "eq") {
      problem =
        spec.type === "string[]"
          ? `"eq" cannot compare a list; use includes`
          : scalarProblem(spec, value);
    }
    if (problem) problems.push(`${label}: ${rule.field} ${op} ${problem}`);
  }
  if (rule.action === "decline" || rule.action === "manual_review") {
    const reason = rule.reasonCode ? reasonSpec(rule.reasonCode) : undefined;
    if (!rule.reasonCode) problems.push(`${label}: a ${rule.action} rule needs a reason code`);
    else if (!reason) problems.push(`${label}: unknown reason code "${rule.reasonCode}"`);
    else if (rule.action === "decline" && reason.kind !== "decline") {
      problems.push(
        `${label}: reason "${rule.reasonCode}" has no consumer wording for an adverse action notice; a decline needs a decline reason`,
      );
    }
  } else if (rule.reasonCode && !reasonSpec(rule.reasonCode)) {
    problems.push(`${label}: unknown reason code "${rule.reasonCode}"`);
  }
  return problems;
}

export function validateRules(rules: readonly Rule[]): string[] {
  const problems: string[] = [];
  if (rules.length === 0) problems.push("A rule set needs at least one rule");
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.key)) problems.push(`Rule "${rule.key}": the key is used twice`);
    seen.add(rule.key);
    problems.push(...validateRule(rule));
  }
  return problems;
}

type Accessor = (facts: Facts) => unknown;

/** A path accessor built once per rule (no string splitting at evaluation time). */
function accessor(path: string): Accessor {
  const [a, b, c] = path.split(".") as [string, string?, string?];
  const record = (value: unknown) => value as Record<string, unknown> | null | undefined;
  if (b === undefined) return (facts) => record(facts)?.[a];
  if (c === undefined) return (facts) => record(record(facts)?.[a])?.[b];
  const parts = path.split(".");
  return (facts) => {
    let value: unknown = facts;
    for (const part of parts) value = record(value)?.[part];
    return value;
  };
}

type Predicate = (facts: Facts) => boolean;

function predicate(rule: Rule, get: Accessor): Predicate {
  const value = rule.value;
  switch (rule.operator) {
    case "eq":
      return (facts) => get(facts) === value;
    case "gt": {
      const limit = value as number;
      return (facts) => {
        const actual = get(facts);
        return typeof actual === "number" && actual > limit;
      };
    }
    case "gte": {
      const limit = value as number;
      return (facts) => {
        const actual = get(facts);
        return typeof actual === "number" && actual >= limit;
      };
    }
    case "lt": {
      const limit = value as number;
      return (facts) => {
        const actual = get(facts);
        return typeof actual === "number" && actual < limit;
      };
    }
    case "lte": {
      const limit = value as number;
      return (facts) => {
        const actual = get(facts);
        return typeof actual === "number" && actual <= limit;
      };
    }
    case "in": {
      const allowed = new Set(value as unknown[]);
      return (facts) => {
        const actual = get(facts);
        return actual !== null && actual !== undefined && allowed.has(actual);
      };
    }
    case "includes":
      return (facts) => {
        const actual = get(facts);
        return Array.isArray(actual) && actual.includes(value);
      };
    case "not_includes":
      return (facts) => {
        const actual = get(facts);
        return Array.isArray(actual) && !actual.includes(value);
      };
    case "exists": {
      const wanted = value as boolean;
      return (facts) => {
        const actual = get(facts);
        return (actual !== null && actual !== undefined) === wanted;
      };
    }
  }
}

export type CompiledRules = {
  rules: readonly Rule[];
  /** One boolean per rule, in rule order: did it fire? */
  fired(facts: Facts): boolean[];
  /** The full per-rule record for a snapshot. */
  results(facts: Facts): RuleResult[];
};

/**
 * Compiles validated rules to plain closures: a path accessor and a typed comparison per
 * rule, built once. Refuses rules that would not publish.
 */
export function compileRules(rules: readonly Rule[]): CompiledRules {
  const problems = validateRules(rules);
  if (problems.length > 0) throw new RuleValidationError(problems);
  const getters = rules.map((rule) => accessor(rule.field));
  const predicates = rules.map((rule, index) => predicate(rule, getters[index]!));
  const count = predicates.length;
  return {
    rules,
    fired(facts) {
      const out = new Array<boolean>(count);
      for (let i = 0; i < count; i++) out[i] = predicates[i]!(facts);
      return out;
    },
    results(facts) {
      return rules.map((rule, index) => {
        const actual = getters[index]!(facts);
        return {
          key: rule.key,
          field: rule.field,
          operator: rule.operator,
          value: rule.value,
          actual: actual === undefined ? null : actual,
          fired: predicates[index]!(facts),
          action: rule.action,
          reasonCode: rule.reasonCode,
        };
      });
    },
  };
}

export type RuleOutcome = {
  status: "approved" | "declined" | "manual_review";
  /** Reason codes of fired decline rules, in rule order (order of importance), deduplicated. */
  declineReasons: string[];
  /** Reason codes of fired manual-review rules, in rule order, deduplicated. */
  reviewReasons: string[];
  /** Keys of fired approve rules. */
  approvals: string[];
};

/** Precedence: any decline wins, then manual review, then approve. */
export function ruleOutcome(rules: readonly Rule[], fired: readonly boolean[]): RuleOutcome {
  const declineReasons: string[] = [];
  const reviewReasons: string[] = [];
  const approvals: string[] = [];
  rules.forEach((rule, index) => {
    if (!fired[index]) return;
    if (rule.action === "decline" && !declineReasons.includes(rule.reasonCode!))
      declineReasons.push(rule.reasonCode!);
    if (rule.action === "manual_review" && !reviewReasons.includes(rule.reasonCode!))
      reviewReasons.push(rule.reasonCode!);
    if (rule.action === "approve") approvals.push(rule.key);
  });
  const status =
    declineReasons.length > 0
      ? "declined"
      : reviewReasons.length > 0
        ? "manual_review"
        : "approved";
  return { status, declineReasons, reviewReasons, approvals };
}
