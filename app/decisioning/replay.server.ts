import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { decisions } from "~/db/schema/index";
import { decodeText } from "~/db/schema/compressed";
import { buildSnapshot, ENGINE_VERSION, evaluate, type DecisionSnapshot } from "./engine";
import { getPricingByVersion } from "./pricing-rules.server";
import { getRuleSetByVersion } from "./rule-sets.server";

/**
 * Replays a stored decision: the same inputs (from the snapshot), the same rule set and
 * pricing versions (from the database), the engine → a new snapshot, compared byte for
 * byte with the stored one. `identical` is the evidence; `differences` says where not.
 */
export type ReplayResult = {
  decisionId: string;
  identical: boolean;
  /** The stored snapshot was made by another engine version than this code's. */
  engineVersionChanged: boolean;
  differences: string[];
  stored: string;
  replayed: string;
};

export class ReplayError extends Error {
  override name = "ReplayError";
}

function diff(a: unknown, b: unknown, path: string, out: string[]) {
  if (out.length >= 20) return;
  if (a === b) return;
  if (
    typeof a !== "object" ||
    typeof b !== "object" ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  ) {
    out.push(`${path || "(root)"}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
    return;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    diff(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      path ? `${path}.${key}` : key,
      out,
    );
  }
}

export async function replayDecision(
  database: Database,
  decisionId: string,
): Promise<ReplayResult> {
  // The stored text itself, not a re-serialisation of it (decompressed: the bytes written, ADR 085).
  const row = await database.db.get<{ snapshot: string | ArrayBuffer } | undefined>(
    sql`SELECT snapshot FROM ${decisions} WHERE ${decisions.id} = ${decisionId}`,
  );
  if (!row) throw new ReplayError(`Decision ${decisionId} does not exist`);
  const stored = decodeText(row.snapshot);
  const snapshot = JSON.parse(stored) as DecisionSnapshot;
  const [ruleSet, pricing] = await Promise.all([
    getRuleSetByVersion(database, snapshot.ruleSet.version),
    getPricingByVersion(database, snapshot.pricing.version),
  ]);
  if (!ruleSet || ruleSet.id !== snapshot.ruleSet.id) {
    throw new ReplayError(
      `Rule set v${snapshot.ruleSet.version} of decision ${decisionId} is missing`,
    );
  }
  if (!pricing || pricing.id !== snapshot.pricing.id) {
    throw new ReplayError(
      `Pricing v${snapshot.pricing.version} of decision ${decisionId} is missing`,
    );
  }
  // The engine of the snapshot's version (an older offer-set rule, ADR 034).
  const result = evaluate(snapshot.inputs, ruleSet, pricing, {
    engineVersion: snapshot.engineVersion,
  });
  const replayedSnapshot = buildSnapshot(snapshot.inputs, ruleSet, pricing, result);
  // The engine version is part of the snapshot; compare what this engine produces with it.
  const replayed = JSON.stringify({ ...replayedSnapshot, engineVersion: snapshot.engineVersion });
  const differences: string[] = [];
  if (replayed !== stored) diff(snapshot, JSON.parse(replayed), "", differences);
  return {
    decisionId,
    identical: replayed === stored,
    engineVersionChanged: snapshot.engineVersion !== ENGINE_VERSION,
    differences,
    stored,
    replayed,
  };
}

/** Replays every engine decision in the database (or those of one application). */
export async function replayAll(
  database: Database,
  applicationId?: string,
): Promise<ReplayResult[]> {
  const rows = await database.db
    .select({ id: decisions.id })
    .from(decisions)
    .where(
      and(
        isNull(decisions.decidedBy),
        applicationId ? eq(decisions.applicationId, applicationId) : undefined,
      ),
    );
  const results: ReplayResult[] = [];
  for (const row of rows) results.push(await replayDecision(database, row.id));
  return results;
}
