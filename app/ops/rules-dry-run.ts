import {
  evaluate,
  type DecisionResult,
  type LoadedPricing,
  type LoadedRuleSet,
} from "~/app/decisioning/engine";
import type { DecisionInputs } from "~/app/decisioning/inputs";
import type { RuleAction } from "~/app/decisioning/rules";
import { formatRuleValue } from "./rules-form";

/**
 * A dry run: the draft and the published rule set evaluated by the engine on the same stored
 * decision inputs and the same (published) pricing, side by side, rule by rule. Pure.
 */
export type DryRunOutcome = {
  version: number;
  status: DecisionResult["status"];
  score: number;
  tier: string | null;
  offers: number;
  declineReasons: string[];
  reviewReasons: string[];
};

export type DryRunRuleSide = { fired: boolean; action: RuleAction; condition: string };

export type DryRunRow = {
  key: string;
  name: string;
  field: string;
  /** The fact the rule looked at, as JSON ("null" when unknown). */
  actual: string;
  draft: DryRunRuleSide | null;
  published: DryRunRuleSide | null;
  /** The two sides differ (added, removed, or fired differently). */
  changed: boolean;
};

export type DryRunComparison = {
  draft: DryRunOutcome;
  published: DryRunOutcome;
  rows: DryRunRow[];
  /** The outcome differs between the two versions. */
  outcomeChanged: boolean;
};

function outcome(version: number, result: DecisionResult): DryRunOutcome {
  return {
    version,
    status: result.status,
    score: result.score.total,
    tier: result.tier,
    offers: result.offers.length,
    declineReasons: result.declineReasons,
    reviewReasons: result.reviewReasons,
  };
}

function side(ruleSet: LoadedRuleSet, result: DecisionResult, key: string) {
  const index = ruleSet.rules.findIndex((rule) => rule.key === key);
  if (index < 0) return null;
  const rule = ruleSet.rules[index]!;
  return {
    fired: result.ruleResults[index]!.fired,
    action: rule.action,
    condition: `${rule.field} ${rule.operator} ${formatRuleValue(rule.value, rule.field, rule.operator)}`,
    actual: result.ruleResults[index]!.actual,
    name: rule.name,
    field: rule.field,
  };
}

export function compareRuleSets(
  inputs: DecisionInputs,
  draft: LoadedRuleSet,
  published: LoadedRuleSet,
  pricing: LoadedPricing,
): DryRunComparison {
  const draftResult = evaluate(inputs, draft, pricing);
  const publishedResult = evaluate(inputs, published, pricing);
  const keys = [...draft.rules.map((rule) => rule.key)];
  for (const rule of published.rules) if (!keys.includes(rule.key)) keys.push(rule.key);
  const rows = keys.map((key): DryRunRow => {
    const d = side(draft, draftResult, key);
    const p = side(published, publishedResult, key);
    const any = (d ?? p)!;
    const strip = (s: typeof d): DryRunRuleSide | null =>
      s ? { fired: s.fired, action: s.action, condition: s.condition } : null;
    return {
      key,
      name: any.name,
      field: any.field,
      actual: JSON.stringify(any.actual ?? null),
      draft: strip(d),
      published: strip(p),
      changed:
        !d || !p || d.fired !== p.fired || d.action !== p.action || d.condition !== p.condition,
    };
  });
  const draftOutcome = outcome(draft.version, draftResult);
  const publishedOutcome = outcome(published.version, publishedResult);
  return {
    draft: draftOutcome,
    published: publishedOutcome,
    rows,
    outcomeChanged:
      draftOutcome.status !== publishedOutcome.status ||
      JSON.stringify(draftOutcome.declineReasons) !==
        JSON.stringify(publishedOutcome.declineReasons) ||
      JSON.stringify(draftOutcome.reviewReasons) !== JSON.stringify(publishedOutcome.reviewReasons),
  };
}
