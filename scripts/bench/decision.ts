/**
 * `npm run bench:decision [-- --seconds N] [--json]` measures, in one run:
 *
 * 1. Rule evaluation: the default rule set, loaded and compiled from a freshly migrated
 *    database, against json-rules-engine evaluating the same rules on the same facts
 *    (both must agree on every rule for every input) — evaluations/s of each and the ratio.
 *    Target (issue 5): ≥ 100×.
 * 2. Full decisions (score + rules + offers + disclosures with Appendix J APRs, inputs in
 *    memory): decisions/s and latency p50/p95. Target: p95 < 20 ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Engine, type RuleProperties } from "json-rules-engine";
import { openDatabase } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { evaluate, type LoadedPricing, type LoadedRuleSet } from "~/app/decisioning/engine";
import { buildFacts, type Facts } from "~/app/decisioning/facts";
import type { DecisionInputs } from "~/app/decisioning/inputs";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import { getPublishedRuleSet } from "~/app/decisioning/rule-sets.server";
import { ruleOutcome, type Rule } from "~/app/decisioning/rules";
import { calculateScore } from "~/app/decisioning/score";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import { applicantInputs } from "~/app/decisioning/testing";
import { percentile, roundTo } from "./stats";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);

async function loadFromDatabase(): Promise<{ ruleSet: LoadedRuleSet; pricing: LoadedPricing }> {
  const dir = mkdtempSync(join(tmpdir(), "flowpay-bench-decision-"));
  const database = await openDatabase({ url: `file:${join(dir, "bench.db")}` });
  try {
    await migrateDatabase(database);
    await ensureDecisioningDefaults(database);
    const ruleSet = await getPublishedRuleSet(database);
    const pricing = await getPublishedPricing(database);
    if (!ruleSet || !pricing) throw new Error("defaults were not published");
    return { ruleSet, pricing };
  } finally {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A varied population, mostly applicants who get offers (the expensive path): clean files
 * at many scores, plus every sandbox problem profile, missing bank data, KYC reviews and
 * fraud signals now and then, and a promotional merchant plan for a third of them.
 */
function population(): DecisionInputs[] {
  const ssns = ["7800", "1234", "7000", "7500", "7200", "6800", "8000", "5678", "4321", "6600"];
  const problems = ["0000", "1111", "2222", "3333", "4444", "6200", "8888"];
  const incomes = [350_000, 500_000, 700_000, 1_000_000];
  const amounts = [150_000, 500_000, 800_000, 1_400_000];
  const out: DecisionInputs[] = [];
  let n = 0;
  for (const ssn of [...ssns, ...problems]) {
    for (const income of incomes) {
      for (const amount of amounts) {
        n++;
        out.push(
          applicantInputs(ssn, {
            application: { amountCents: amount, monthlyIncomeCents: income },
            merchant: { pricingPlan: n % 3 === 0 ? "promo_0apr_12" : "standard" },
            bank: n % 17 === 0 ? null : undefined,
            kyc:
              n % 19 === 0
                ? { status: "needs_review", confidence: "0.50" }
                : n % 23 === 0
                  ? { fraudSignals: ["velocity"] }
                  : {},
          }),
        );
      }
    }
  }
  return out;
}

const jreOperators: Record<Rule["operator"], string> = {
  eq: "equal",
  gt: "greaterThan",
  gte: "greaterThanInclusive",
  lt: "lessThan",
  lte: "lessThanInclusive",
  in: "in",
  includes: "contains",
  not_includes: "doesNotContain",
  exists: "exists",
};

/** The same rules as json-rules-engine rules: one condition each, fact = first path segment. */
function jsonRulesEngine(rules: readonly Rule[]) {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator(
    "exists",
    (actual: unknown, wanted: unknown) => (actual !== null && actual !== undefined) === wanted,
  );
  rules.forEach((rule, index) => {
    const [fact, ...rest] = rule.field.split(".");
    const properties: RuleProperties = {
      name: String(index),
      conditions: {
        all: [
          {
            fact: fact!,
            path: `$.${rest.join(".")}`,
            operator: jreOperators[rule.operator],
            value: rule.value as never,
          },
        ],
      },
      event: { type: rule.action, params: { key: rule.key, reasonCode: rule.reasonCode } },
    };
    engine.addRule(properties);
  });
  return async (facts: Facts) => {
    const { results } = await engine.run({ ...facts });
    const fired = new Array<boolean>(rules.length).fill(false);
    for (const result of results) fired[Number(result.name)] = true;
    return fired;
  };
}

const round = roundTo;

const { ruleSet, pricing } = await loadFromDatabase();
const inputs = population();
const facts = inputs.map((input) => buildFacts(input, calculateScore(input)));
const jre = jsonRulesEngine(ruleSet.rules);

// Both engines must agree on every rule for every input before anything is timed.
for (const f of facts) {
  const ours = ruleSet.compiled.fired(f);
  const theirs = await jre(f);
  if (ours.join() !== theirs.join())
    throw new Error(`engines disagree: ${ours.join()} vs ${theirs.join()}`);
}

// 1a. Compiled rules: every rule's result (what json-rules-engine gives), and the same plus
//     the precedence outcome (which json-rules-engine does not compute at all).
let sink = 0;
const compiledRun = (budgetMs: number, withOutcome: boolean) => {
  let evaluations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let batch = 0; batch < 50; batch++) {
      for (const f of facts) {
        const fired = ruleSet.compiled.fired(f);
        sink += withOutcome ? ruleOutcome(ruleSet.rules, fired).status.length : fired.length;
      }
      evaluations += facts.length;
    }
    elapsed = performance.now() - start;
  }
  return evaluations / (elapsed / 1000);
};
compiledRun(300, false); // warm-up
compiledRun(300, true);
const compiledPerSecond = compiledRun(seconds * 1000, false);
const compiledWithOutcomePerSecond = compiledRun(seconds * 1000, true);

// 1b. json-rules-engine, awaited one evaluation at a time.
const jreRun = async (budgetMs: number) => {
  let evaluations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    const fired = await jre(facts[evaluations % facts.length]!);
    sink += fired.length;
    evaluations++;
    if (evaluations % 100 === 0) elapsed = performance.now() - start;
  }
  return evaluations / ((performance.now() - start) / 1000);
};
await jreRun(300);
const jrePerSecond = await jreRun(seconds * 1000);

// 2. Full decisions.
for (let i = 0; i < 300; i++) evaluate(inputs[i % inputs.length]!, ruleSet, pricing);
const latencies: number[] = [];
const outcomes = { approved: 0, declined: 0, manual_review: 0 };
let offers = 0;
const decisionsStart = performance.now();
while (performance.now() - decisionsStart < seconds * 1000) {
  for (const input of inputs) {
    const t0 = performance.now();
    const result = evaluate(input, ruleSet, pricing);
    latencies.push(performance.now() - t0);
    outcomes[result.status]++;
    offers += result.offers.length;
  }
}
const decisionsElapsed = (performance.now() - decisionsStart) / 1000;
latencies.sort((a, b) => a - b);

const report = {
  rules: {
    ruleSetVersion: ruleSet.version,
    rules: ruleSet.rules.length,
    inputs: facts.length,
    compiledEvaluationsPerSecond: Math.round(compiledPerSecond),
    compiledWithPrecedencePerSecond: Math.round(compiledWithOutcomePerSecond),
    jsonRulesEngineEvaluationsPerSecond: Math.round(jrePerSecond),
    ratio: round(compiledPerSecond / jrePerSecond, 1),
    target: "≥ 100×",
  },
  decisions: {
    pricingVersion: pricing.version,
    decisions: latencies.length,
    decisionsPerSecond: Math.round(latencies.length / decisionsElapsed),
    p50Ms: round(percentile(latencies, 50), 3),
    p95Ms: round(percentile(latencies, 95), 3),
    maxMs: round(latencies[latencies.length - 1]!, 3),
    outcomes,
    offersPerDecision: round(offers / latencies.length, 2),
    target: "p95 < 20 ms",
  },
  node: process.version,
  checksum: sink % 997,
};

if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const r = report.rules;
  const d = report.decisions;
  console.log(
    `Rule evaluation — rule set v${r.ruleSetVersion} (${r.rules} rules), ${r.inputs} varied inputs`,
  );
  console.log(
    `  compiled (from the database): ${r.compiledEvaluationsPerSecond.toLocaleString("en-US")} evaluations/s`,
  );
  console.log(
    `  … with precedence outcome:    ${r.compiledWithPrecedencePerSecond.toLocaleString("en-US")} evaluations/s`,
  );
  console.log(
    `  json-rules-engine:            ${r.jsonRulesEngineEvaluationsPerSecond.toLocaleString("en-US")} evaluations/s`,
  );
  console.log(`  ratio:                        ${r.ratio}× (target ${r.target})`);
  console.log(
    `Full decisions — score, rules, offers, disclosures with Appendix J APRs (pricing v${d.pricingVersion})`,
  );
  console.log(
    `  ${d.decisionsPerSecond.toLocaleString("en-US")} decisions/s over ${d.decisions.toLocaleString("en-US")} decisions`,
  );
  console.log(
    `  latency p50 ${d.p50Ms} ms, p95 ${d.p95Ms} ms, max ${d.maxMs} ms (target ${d.target})`,
  );
  console.log(
    `  outcomes ${JSON.stringify(d.outcomes)}, ${d.offersPerDecision} offers per decision`,
  );
}
