/**
 * `npm run bench:backtest [-- --count N] [--db-count M] [--json]` measures the policy back-test
 * (app/ops/backtest.ts, ADR 070), a rules draft that moves the review floor against the default
 * versions:
 *
 * 1. Replay: N stored snapshots (default 100,000; the texts decide() stores, made by the live
 *    versions from a varied population) parsed and replayed — the live side from the snapshot,
 *    the draft side through the engine. Target (issue 18): 100k in < 30 s.
 * 2. End to end: M decisions (default 20,000) in a SQLite file, through runBacktest — paging in
 *    rowid order from the window's first row, progress written after every page, result stored.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "~/db/client";
import { newId } from "~/db/ids";
import { migrateDatabase } from "~/db/migrate";
import { decisions, operators, policyBacktests } from "~/db/schema/index";
import { buildSnapshot, evaluate, type DecisionSnapshot } from "~/app/decisioning/engine";
import type { DecisionInputs } from "~/app/decisioning/inputs";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import { getPublishedRuleSet } from "~/app/decisioning/rule-sets.server";
import { compileRules } from "~/app/decisioning/rules";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import { applicantInputs } from "~/app/decisioning/testing";
import { insertApplication, insertMerchant } from "~/app/ops/applications-fixtures";
import { createBacktest } from "~/app/ops/backtest";
import { insertRuleSetDraft } from "~/app/decisioning/rule-sets.server";
import { runBacktest } from "~/app/ops/policy-backtest.server";
import { contentHash } from "~/app/ops/policy-approval.server";
import { eq } from "drizzle-orm";
import { roundTo } from "./stats";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "100000" },
    // 100k rows of ≈11 KB snapshots is a 1.1 GB file that took ≈15 min to write on the shared
    // machine: the end-to-end part measures a smaller window and projects.
    "db-count": { type: "string", default: "20000" },
    json: { type: "boolean", default: false },
  },
});
const count = Number(values.count);
const dbCount = Number(values["db-count"]);

/** Clean files at many scores and every sandbox problem profile, amounts and incomes varied. */
function population(): DecisionInputs[] {
  const ssns = ["7800", "1234", "7000", "7500", "7200", "6800", "8000", "5678", "4321", "6600"];
  const problems = ["0000", "1111", "2222", "3333", "4444", "6200", "8888"];
  const out: DecisionInputs[] = [];
  let n = 0;
  for (const ssn of [...ssns, ...problems]) {
    for (const income of [350_000, 500_000, 700_000, 1_000_000]) {
      for (const amount of [150_000, 500_000, 800_000, 1_400_000]) {
        n++;
        out.push(
          applicantInputs(ssn, {
            application: { id: `app_bench_${n}`, amountCents: amount, monthlyIncomeCents: income },
            merchant: { pricingPlan: n % 3 === 0 ? "promo_0apr_12" : "standard" },
            bank: n % 17 === 0 ? null : undefined,
          }),
        );
      }
    }
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "flowpay-bench-backtest-"));
const database = await openDatabase({ url: `file:${join(dir, "bench.db")}` });
try {
  await migrateDatabase(database);
  await ensureDecisioningDefaults(database);
  const ruleSet = (await getPublishedRuleSet(database))!;
  const pricing = (await getPublishedPricing(database))!;
  const draftRules = ruleSet.rules.map((rule) =>
    rule.key === "credit_score_review" ? { ...rule, value: 600 } : rule,
  );
  const live = { ruleSet, pricing };
  const draft = {
    ruleSet: {
      id: "rs_bench_draft",
      version: 99,
      rules: draftRules,
      compiled: compileRules(draftRules),
    },
    pricing,
  };
  const texts = population().map((inputs) =>
    JSON.stringify(buildSnapshot(inputs, ruleSet, pricing, evaluate(inputs, ruleSet, pricing))),
  );

  // 1. Replay from the stored texts.
  const run = createBacktest(live, draft);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    run.add(JSON.parse(texts[i % texts.length]!) as DecisionSnapshot, `dec_${i}`);
  }
  const result = run.result();
  const replaySeconds = (performance.now() - started) / 1000;

  // 2. End to end through the database.
  const merchantId = await insertMerchant(database, "Bench");
  // Every decision on one application: the back-test reads decisions, not applications.
  const { id: applicationId } = await insertApplication(database, {
    merchantId,
    status: "submitted",
  });
  const operatorId = newId("op");
  await database.write((tx) =>
    tx.insert(operators).values({
      id: operatorId,
      email: "bench@flowpay.test",
      name: "Bench",
      role: "risk_analyst",
      passwordHash: "unused",
    }),
  );
  const decidedAt = new Date();
  for (let offset = 0; offset < dbCount; offset += 500) {
    await database.write(async (tx) => {
      const rows = [];
      for (let i = offset; i < Math.min(dbCount, offset + 500); i++) {
        const snapshot = JSON.parse(texts[i % texts.length]!) as Record<string, unknown>;
        rows.push({
          id: newId("dec"),
          applicationId,
          status: "approved" as const,
          ruleSetVersion: ruleSet.version,
          pricingVersion: pricing.version,
          engineVersion: String(snapshot.engineVersion),
          snapshot,
          decidedAt,
        });
      }
      await tx.insert(decisions).values(rows);
    });
  }
  const backtestId = newId("bt");
  await database.write(async (tx) => {
    const created = await insertRuleSetDraft(tx, { rules: draftRules, createdBy: operatorId });
    await tx.insert(policyBacktests).values({
      id: backtestId,
      kind: "rules",
      draftId: created.id,
      version: created.version,
      contentHash: contentHash(draftRules),
      days: 30,
      total: dbCount,
    });
  });
  const dbStarted = performance.now();
  const dbRun = await runBacktest(database, backtestId);
  const dbSeconds = (performance.now() - dbStarted) / 1000;
  const stored = await database.db.query.policyBacktests.findFirst({
    where: eq(policyBacktests.id, backtestId),
  });

  const figures = {
    replay: {
      snapshots: count,
      seconds: roundTo(replaySeconds, 2),
      snapshotsPerSecond: Math.round(count / replaySeconds),
      targetSeconds: 30,
      withinTarget: replaySeconds < 30,
      changed: result.changedCount,
      approvalRate: { live: result.before.approvalRate, draft: result.after.approvalRate },
    },
    endToEnd: {
      decisions: dbCount,
      seconds: roundTo(dbSeconds, 2),
      decisionsPerSecond: Math.round(dbCount / dbSeconds),
      status: stored?.status ?? dbRun.status,
      processed: stored?.processed ?? 0,
      projectedSecondsFor100k: roundTo((100_000 / dbCount) * dbSeconds, 1),
    },
  };
  if (values.json) console.log(JSON.stringify(figures, null, 2));
  else {
    console.log(
      `Back-test replay: ${count.toLocaleString("en-US")} snapshots in ${figures.replay.seconds} s ` +
        `(${figures.replay.snapshotsPerSecond.toLocaleString("en-US")}/s; target < 30 s: ${figures.replay.withinTarget ? "met" : "NOT met"}), ${result.changedCount} outcomes changed`,
    );
    console.log(
      `End to end (SQLite, runBacktest): ${dbCount.toLocaleString("en-US")} decisions in ${figures.endToEnd.seconds} s ` +
        `(${figures.endToEnd.decisionsPerSecond.toLocaleString("en-US")}/s; 100k projected ${figures.endToEnd.projectedSecondsFor100k} s)`,
    );
  }
} finally {
  database.close();
  rmSync(dir, { recursive: true, force: true });
}
