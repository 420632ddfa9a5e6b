import { buildAdverseAction, type AdverseAction } from "./adverse-action";
import { buildFacts, type Facts } from "./facts";
import type { DecisionInputs } from "./inputs";
import {
  generateOffers,
  selectTier,
  type ConsideredTerm,
  type Offer,
  type PricingTable,
} from "./pricing";
import { offerSetRuleFor } from "./offer-set";
import { reasonSpec } from "./reasons";
import { ruleOutcome, type CompiledRules, type Rule, type RuleResult } from "./rules";
import { calculateScore, type ScoreBreakdown } from "./score";

/**
 * The decision engine: a pure function of (inputs, rule set, pricing). Same arguments, same
 * result, to the byte — that is what makes replay possible. Bump ENGINE_VERSION whenever a
 * change to this code could change any result for the same arguments.
 */
export const ENGINE_VERSION = "1.1.0";
// 1.1.0: the offer set keeps the longer terms beside a 0 % promotion (offer-set.ts, ADR 034).

export type LoadedRuleSet = { id: string; version: number; rules: Rule[]; compiled: CompiledRules };
export type LoadedPricing = { id: string; version: number; table: PricingTable };

export type DecisionStatus = "approved" | "declined" | "manual_review";

export type DecisionResult = {
  status: DecisionStatus;
  score: ScoreBreakdown;
  facts: Facts;
  ruleResults: RuleResult[];
  /** Fired decline rules' reason codes, in order of importance. */
  declineReasons: string[];
  /** Why the application needs a person: fired review rules, then the engine's own reasons. */
  reviewReasons: string[];
  approvals: string[];
  tier: string | null;
  offers: Offer[];
  considered: ConsideredTerm[];
  manualReview: { reason: string; reasons: string[]; priority: 1 | 2 } | null;
  adverseAction: AdverseAction | null;
};

export type DecisionSnapshot = {
  snapshotVersion: 1;
  engineVersion: string;
  applicationId: string;
  ruleSet: { id: string; version: number };
  pricing: { id: string; version: number };
  inputs: DecisionInputs;
  result: DecisionResult;
};

/**
 * `engineVersion` (replay) selects the behaviour of an older engine where it differed: today
 * only the offer set (v1 for 1.0.0). New decisions use ENGINE_VERSION.
 */
export function evaluate(
  inputs: DecisionInputs,
  ruleSet: LoadedRuleSet,
  pricing: LoadedPricing,
  options: { engineVersion?: string } = {},
): DecisionResult {
  const score = calculateScore(inputs);
  const facts = buildFacts(inputs, score);
  const fired = ruleSet.compiled.fired(facts);
  const outcome = ruleOutcome(ruleSet.rules, fired);
  const ruleResults = ruleSet.compiled.results(facts);
  const reviewReasons = [...outcome.reviewReasons];
  const addReview = (code: string) => {
    if (!reviewReasons.includes(code)) reviewReasons.push(code);
  };

  let status: DecisionStatus = outcome.status;
  // No credit report, no automatic decision: the engine's own rule, whatever the rule set says.
  if (inputs.credit.status === "unavailable") {
    reviewReasons.unshift(inputs.credit.reasonCode);
    status = "manual_review";
  }

  let tier: string | null = null;
  let offers: Offer[] = [];
  let considered: ConsideredTerm[] = [];
  if (status !== "declined") {
    const pricingTier = selectTier(pricing.table, score.total);
    if (!pricingTier) {
      if (status === "approved") addReview("score_below_pricing_tiers");
    } else {
      tier = pricingTier.name;
      const generated = generateOffers({
        table: pricing.table,
        tier: pricingTier,
        amountCents: inputs.application.amountCents,
        monthlyIncomeCents: inputs.application.monthlyIncomeCents,
        merchant: inputs.merchant,
        rule: offerSetRuleFor(options.engineVersion ?? ENGINE_VERSION),
      });
      offers = generated.offers;
      considered = generated.considered;
      if (generated.blockedBy && status === "approved") addReview(generated.blockedBy);
    }
    if (status === "approved" && reviewReasons.length > 0) status = "manual_review";
  }

  const manualReview =
    status === "manual_review"
      ? {
          reason: reviewReasons[0]!,
          reasons: reviewReasons,
          priority: reviewReasons.some((code) => reasonSpec(code)?.priority === 1)
            ? (1 as const)
            : (2 as const),
        }
      : null;

  return {
    status,
    score,
    facts,
    ruleResults,
    declineReasons: outcome.declineReasons,
    reviewReasons,
    approvals: outcome.approvals,
    tier,
    offers: status === "declined" ? [] : offers,
    considered,
    manualReview,
    adverseAction:
      status === "declined" ? buildAdverseAction(outcome.declineReasons, inputs.credit) : null,
  };
}

/** The immutable record of a decision: enough to replay it and to explain it. */
export function buildSnapshot(
  inputs: DecisionInputs,
  ruleSet: LoadedRuleSet,
  pricing: LoadedPricing,
  result: DecisionResult,
): DecisionSnapshot {
  return {
    snapshotVersion: 1,
    engineVersion: ENGINE_VERSION,
    applicationId: inputs.application.id,
    ruleSet: { id: ruleSet.id, version: ruleSet.version },
    pricing: { id: pricing.id, version: pricing.version },
    inputs,
    result,
  };
}
