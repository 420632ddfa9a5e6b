import type { Rule } from "~/app/decisioning/rules";
import { formatMoney } from "~/app/money/dollars";
import { formatRuleValue } from "./rules-form";

/**
 * What a draft changes against the live version (ADR 069), shown to the second operator before
 * they approve and used to refuse a draft that changes nothing. Pure: rules are compared by key
 * (added, removed, changed with their conditions and amounts as the editor writes them, and a
 * changed order — order decides the notice's reasons), pricing tables path by path with tiers
 * named by their letter and terms by their months, money in dollars.
 */
export type RuleLine = {
  key: string;
  name: string;
  condition: string;
  action: string;
  reasonCode: string | null;
};

export type RuleChange = { key: string; before: RuleLine; after: RuleLine; what: string[] };

export type RuleSetDiff = {
  added: RuleLine[];
  removed: RuleLine[];
  changed: RuleChange[];
  /** The rules both versions have are in another order. */
  reordered: boolean;
};

export type PricingChange = { path: string; before: string; after: string };

export type PolicyDiff =
  | { kind: "rules"; rules: RuleSetDiff; empty: boolean }
  | { kind: "pricing"; pricing: PricingChange[]; empty: boolean };

/** A rule's value as written in the editor, an amount (a `…Cents` field) in dollars. */
function ruleValue(rule: Rule): string {
  const money = (v: unknown) => (typeof v === "number" ? formatMoney(v) : JSON.stringify(v));
  if (/Cents$/.test(rule.field) && typeof rule.value === "number") return money(rule.value);
  if (/Cents$/.test(rule.field) && Array.isArray(rule.value))
    return rule.value.map(money).join(", ");
  return formatRuleValue(rule.value, rule.field, rule.operator);
}

export function ruleLine(rule: Rule): RuleLine {
  return {
    key: rule.key,
    name: rule.name,
    condition: `${rule.field} ${rule.operator} ${ruleValue(rule)}`.trim(),
    action: rule.action,
    reasonCode: rule.reasonCode ?? null,
  };
}

export function diffRuleSets(live: readonly Rule[], draft: readonly Rule[]): RuleSetDiff {
  const liveByKey = new Map(live.map((rule) => [rule.key, rule]));
  const draftKeys = new Set(draft.map((rule) => rule.key));
  const added: RuleLine[] = [];
  const changed: RuleChange[] = [];
  for (const rule of draft) {
    const before = liveByKey.get(rule.key);
    if (!before) {
      added.push(ruleLine(rule));
      continue;
    }
    const what: string[] = [];
    if (before.name !== rule.name) what.push("name");
    if (before.field !== rule.field || before.operator !== rule.operator) what.push("condition");
    if (canonicalJson(before.value ?? null) !== canonicalJson(rule.value ?? null))
      what.push("value");
    if (before.action !== rule.action) what.push("action");
    if ((before.reasonCode ?? null) !== (rule.reasonCode ?? null)) what.push("reason");
    if (what.length > 0)
      changed.push({ key: rule.key, before: ruleLine(before), after: ruleLine(rule), what });
  }
  const removed = live.filter((rule) => !draftKeys.has(rule.key)).map(ruleLine);
  const liveOrder = live.map((rule) => rule.key).filter((key) => draftKeys.has(key));
  const draftOrder = draft.map((rule) => rule.key).filter((key) => liveByKey.has(key));
  const reordered = liveOrder.join("\u0000") !== draftOrder.join("\u0000");
  return { added, removed, changed, reordered };
}

/** JSON with object keys sorted: the same document always reads the same (hashes, equality). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A pricing value as an operator reads it: cents in dollars, rates in percent. */
function show(key: string, value: unknown): string {
  if (value === undefined) return "—";
  if (typeof value === "number" && /Cents$/.test(key)) return formatMoney(value);
  if (typeof value === "number" && /Bps$/.test(key)) return `${value / 100} %`;
  if (typeof value === "string" && /(Rate|Pct|Percent)$/.test(key)) return `${value} %`;
  if (typeof value === "object" && value !== null) return canonicalJson(value);
  return String(value);
}

/** An array element's name in a path: a tier by its letter, a term by its months. */
function elementName(item: unknown, index: number): string {
  if (item && typeof item === "object") {
    const record = item as Record<string, unknown>;
    if (typeof record.name === "string") return `tier ${record.name}`;
    if (typeof record.months === "number") return `${record.months} months`;
  }
  return `#${index + 1}`;
}

function keyed(value: unknown): Map<string, unknown> {
  if (Array.isArray(value)) {
    const out = new Map<string, unknown>();
    value.forEach((item, index) => out.set(elementName(item, index), item));
    return out;
  }
  return new Map(Object.entries(value as Record<string, unknown>));
}

function walk(before: unknown, after: unknown, path: string, key: string, out: PricingChange[]) {
  if (canonicalJson(before ?? null) === canonicalJson(after ?? null)) return;
  const isContainer = (v: unknown) => v !== null && typeof v === "object";
  const scalarArray = (v: unknown) =>
    Array.isArray(v) && v.every((item) => item === null || typeof item !== "object");
  if (
    isContainer(before) &&
    isContainer(after) &&
    Array.isArray(before) === Array.isArray(after) &&
    !scalarArray(before) &&
    !scalarArray(after)
  ) {
    const a = keyed(before);
    const b = keyed(after);
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      const childKey = Array.isArray(before) ? key : name;
      walk(a.get(name), b.get(name), path ? `${path} · ${name}` : name, childKey, out);
    }
    return;
  }
  out.push({
    path: path || "(table)",
    before: before === undefined ? "(none)" : show(key, before),
    after: after === undefined ? "(none)" : show(key, after),
  });
}

/** Every changed value of two pricing tables (JSON documents), in document order. */
export function diffPricingTables(live: unknown, draft: unknown): PricingChange[] {
  const out: PricingChange[] = [];
  walk(live, draft, "", "", out);
  return out;
}

export function rulesDiff(live: readonly Rule[], draft: readonly Rule[]): PolicyDiff {
  const rules = diffRuleSets(live, draft);
  const empty =
    rules.added.length + rules.removed.length + rules.changed.length === 0 && !rules.reordered;
  return { kind: "rules", rules, empty };
}

export function pricingDiff(live: unknown, draft: unknown): PolicyDiff {
  const pricing = diffPricingTables(live, draft);
  return { kind: "pricing", pricing, empty: pricing.length === 0 };
}
