import { and, desc, eq, gte, isNull, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { decisions, policyBacktests } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { backtestPolicyJob } from "~/jobs/handlers/backtest-policy.definition";
import { audit } from "~/app/audit/audit.server";
import type { DecisionSnapshot, LoadedPricing, LoadedRuleSet } from "~/app/decisioning/engine";
import { pricingTableSchema } from "~/app/decisioning/pricing";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import { getPublishedRuleSet } from "~/app/decisioning/rule-sets.server";
import { compileRules, RuleValidationError, type Rule } from "~/app/decisioning/rules";
import { createBacktest, type BacktestResult, type Policy } from "./backtest";
import {
  loadPolicyPair,
  PolicyApprovalError,
  type PolicyKind,
  type PolicyVersion,
} from "./policy-approval.server";
import type { OperatorActor } from "./rules.server";

/**
 * Back-tests of a rule-set or pricing draft over the last N days of engine decisions (ADR 070):
 * a `policy_backtests` row per run. A window of at most `inlineLimit` decisions runs in the
 * request; a bigger one is queued as the `backtest-policy` job, which stores its progress after
 * every page of decisions, and the page refreshes itself until it is done.
 */
export const inlineLimit = 2_000;
const pageSize = 1_000;
export const maxDays = 365;

/** The live policy and the draft in place of its live counterpart; refused when it cannot run. */
export async function policiesFor(
  database: Database,
  kind: PolicyKind,
  draft: PolicyVersion,
): Promise<{ live: Policy; draft: Policy }> {
  const [ruleSet, pricing] = await Promise.all([
    getPublishedRuleSet(database),
    getPublishedPricing(database),
  ]);
  if (!ruleSet || !pricing) throw new PolicyApprovalError("No published rule set or pricing");
  const live = { ruleSet, pricing };
  if (kind === "rules") {
    const rules = draft.content as Rule[];
    try {
      const candidate: LoadedRuleSet = {
        id: draft.id,
        version: draft.version,
        rules,
        compiled: compileRules(rules),
      };
      return { live, draft: { ruleSet: candidate, pricing } };
    } catch (error) {
      if (error instanceof RuleValidationError) {
        throw new PolicyApprovalError(
          "The draft has problems: validate it before a back-test",
          422,
        );
      }
      throw error;
    }
  }
  const table = pricingTableSchema.safeParse(draft.content);
  if (!table.success) {
    throw new PolicyApprovalError(
      "The draft table has problems: validate it before a back-test",
      422,
    );
  }
  const candidate: LoadedPricing = { id: draft.id, version: draft.version, table: table.data };
  return { live, draft: { ruleSet, pricing: candidate } };
}

const windowStart = (days: number, now: Date) => new Date(now.getTime() - days * 86_400_000);

const inWindow = (since: Date) => and(isNull(decisions.decidedBy), gte(decisions.decidedAt, since));

/** Starts a back-test of the kind's draft; runs it at once when the window is small. */
export async function requestBacktest(
  database: Database,
  input: {
    kind: PolicyKind;
    days: number;
    actor: OperatorActor;
    now?: Date;
    /** Tests: the biggest window run in the request. */
    inlineLimit?: number;
  },
): Promise<{ id: string; queued: boolean }> {
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > maxDays) {
    throw new PolicyApprovalError(`Choose between 1 and ${maxDays} days`, 422);
  }
  const now = input.now ?? new Date();
  const pair = await loadPolicyPair(database.db, input.kind);
  if (!pair.draft) throw new PolicyApprovalError("There is no draft to back-test", 404);
  await policiesFor(database, input.kind, pair.draft); // refuses a draft that cannot run
  const total = await database.db.$count(decisions, inWindow(windowStart(input.days, now)));
  const id = newId("bt");
  const queued = total > (input.inlineLimit ?? inlineLimit);
  await database.write(async (tx) => {
    await tx.insert(policyBacktests).values({
      id,
      kind: input.kind,
      draftId: pair.draft!.id,
      version: pair.draft!.version,
      contentHash: pair.draft!.hash,
      days: input.days,
      total,
      requestedBy: input.actor.actorId ?? null,
      createdAt: now,
      updatedAt: now,
    });
    if (queued) await enqueue(tx, backtestPolicyJob, { backtestId: id }, { key: id });
    await audit(tx, {
      ...input.actor,
      action: "policy.backtest_requested",
      entityType: input.kind === "rules" ? "rule_set" : "pricing_rules",
      entityId: pair.draft!.id,
      details: {
        backtest_id: id,
        version: pair.draft!.version,
        days: input.days,
        decisions: total,
      },
    });
  });
  if (!queued) await runBacktest(database, id, { now });
  return { id, queued };
}

/**
 * Runs a back-test row to its end: pages of decisions in (decided_at, id) order, progress
 * stored after each page. A draft changed since the request fails the run (its figures would
 * describe something nobody will approve).
 */
export async function runBacktest(
  database: Database,
  backtestId: string,
  options: { signal?: AbortSignal; now?: Date } = {},
): Promise<{ processed: number; changed: number; status: "done" | "failed" }> {
  const row = await database.db.query.policyBacktests.findFirst({
    where: eq(policyBacktests.id, backtestId),
  });
  if (!row) throw new PolicyApprovalError(`Back-test ${backtestId} does not exist`, 404);
  const fail = async (error: string) => {
    await database.write((tx) =>
      tx
        .update(policyBacktests)
        .set({ status: "failed", error, finishedAt: new Date() })
        .where(eq(policyBacktests.id, backtestId)),
    );
    return { processed: 0, changed: 0, status: "failed" as const };
  };
  const pair = await loadPolicyPair(database.db, row.kind);
  if (!pair.draft || pair.draft.id !== row.draftId || pair.draft.hash !== row.contentHash) {
    return fail("The draft changed or is gone since the back-test was asked for");
  }
  let policies;
  try {
    policies = await policiesFor(database, row.kind, pair.draft);
  } catch (error) {
    if (error instanceof PolicyApprovalError) return fail(error.message);
    throw error;
  }
  const since = windowStart(row.days, options.now ?? row.createdAt);
  const run = createBacktest(policies.live, policies.draft);
  await database.write((tx) =>
    tx
      .update(policyBacktests)
      .set({ status: "running", processed: 0 })
      .where(eq(policyBacktests.id, backtestId)),
  );
  let processed = 0;
  // The snapshots are read in a reader thread (ADR 083): a window of them is a long read.
  const reads = database.reader.db;
  // Pages in rowid order (the table's own b-tree: a range scan per page, no sort), from the first
  // row of the window, found through the decided_at index. A keyset on (decided_at, id) made
  // SQLite rescan the window for every page: quadratic (1,000 decisions/s at 20,000).
  const first = await reads
    .select({ rowid: sql<number | null>`min(${decisions}.rowid)` })
    .from(decisions)
    .where(gte(decisions.decidedAt, since))
    .get();
  let cursor = (first?.rowid ?? 0) - 1;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await reads
      .select({
        rowid: sql<number>`${decisions}.rowid`,
        id: decisions.id,
        snapshot: decisions.snapshot,
      })
      .from(decisions)
      .where(and(sql`${decisions}.rowid > ${cursor}`, inWindow(since)))
      .orderBy(sql`${decisions}.rowid`)
      .limit(pageSize);
    for (const decision of page) {
      run.add(decision.snapshot as unknown as DecisionSnapshot, decision.id);
    }
    processed += page.length;
    const last = page.at(-1);
    if (last) cursor = last.rowid;
    const done = page.length < pageSize;
    const result: BacktestResult | null = done ? run.result() : null;
    await database.write((tx) =>
      tx
        .update(policyBacktests)
        .set(
          done
            ? {
                status: "done",
                processed,
                total: Math.max(processed, row.total),
                result: result as unknown as Record<string, unknown>,
                finishedAt: new Date(),
              }
            : { processed },
        )
        .where(eq(policyBacktests.id, backtestId)),
    );
    if (done) return { processed, changed: result!.changedCount, status: "done" };
  }
}

export type BacktestView = {
  id: string;
  days: number;
  status: "queued" | "running" | "done" | "failed";
  processed: number;
  total: number;
  /** Whole percent done. */
  percent: number;
  error: string | null;
  result: BacktestResult | null;
  createdAt: string;
  /** The draft changed after this back-test: its figures describe an older draft. */
  stale: boolean;
};

/** The latest back-test of the kind's current draft. */
export async function latestBacktest(
  database: Database,
  kind: PolicyKind,
  draft: PolicyVersion | null,
): Promise<BacktestView | null> {
  if (!draft) return null;
  const row = await database.db.query.policyBacktests.findFirst({
    where: and(eq(policyBacktests.kind, kind), eq(policyBacktests.draftId, draft.id)),
    orderBy: desc(policyBacktests.createdAt),
  });
  if (!row) return null;
  return {
    id: row.id,
    days: row.days,
    status: row.status,
    processed: row.processed,
    total: row.total,
    percent: row.total === 0 ? 100 : Math.min(100, Math.floor((row.processed * 100) / row.total)),
    error: row.error,
    result: (row.result as unknown as BacktestResult | null) ?? null,
    createdAt: row.createdAt.toISOString(),
    stale: row.contentHash !== draft.hash,
  };
}
