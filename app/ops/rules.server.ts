import { and, count, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "~/db/client";
import { decisions, ruleSets, rules as rulesTable } from "~/db/schema/index";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import type { DecisionSnapshot, LoadedRuleSet } from "~/app/decisioning/engine";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import {
  getPublishedRuleSet,
  insertRuleSetDraft,
  publishRuleSet,
  replaceDraftRulesInTx,
  rulesOfSet,
  RuleSetStateError,
} from "~/app/decisioning/rule-sets.server";
import {
  compileRules,
  RuleValidationError,
  validateRules,
  type Rule,
} from "~/app/decisioning/rules";
import { compareRuleSets, type DryRunComparison } from "./rules-dry-run";
import { groupProblems, type RuleProblems } from "./rules-form";
import { versionSummaries, type VersionSummary } from "./versions.server";
import { RefusalError } from "~/app/errors/refusal";

/**
 * The rules screen's domain glue: versions with who made and published them, one draft at a
 * time (started from any published or archived version), saving, discarding, validating,
 * dry-running and publishing it. Every change is audited, with the operator's address and
 * agent, in the transaction that makes it.
 */
export type OperatorActor = Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;

/** A refusal the screen shows as it is. */
export class RulesEditorError extends RefusalError {
  // The status: 404 nothing by that id, 409 not in that state.
  override name = "RulesEditorError";
}

export type RuleSetSummary = VersionSummary & { ruleCount: number };

type RuleSetRow = typeof ruleSets.$inferSelect;

export async function loadRuleSets(database: Database): Promise<{
  published: (RuleSetSummary & { rules: Rule[] }) | null;
  draft: (RuleSetSummary & { rules: Rule[] }) | null;
  history: RuleSetSummary[];
}> {
  const sets = await database.db.select().from(ruleSets).orderBy(desc(ruleSets.version));
  const counts = await database.db
    .select({ ruleSetId: rulesTable.ruleSetId, n: count() })
    .from(rulesTable)
    .groupBy(rulesTable.ruleSetId);
  const countOf = new Map(counts.map((row) => [row.ruleSetId, row.n]));
  const versionSummary = await versionSummaries(database, sets);
  const summary = (set: RuleSetRow): RuleSetSummary => ({
    ...versionSummary(set),
    ruleCount: countOf.get(set.id) ?? 0,
  });
  const publishedRow = sets.find((set) => set.status === "published");
  const draftRow = sets.find((set) => set.status === "draft");
  return {
    published: publishedRow
      ? { ...summary(publishedRow), rules: await rulesOfSet(database.db, publishedRow.id) }
      : null,
    draft: draftRow
      ? { ...summary(draftRow), rules: await rulesOfSet(database.db, draftRow.id) }
      : null,
    history: sets.map(summary),
  };
}

/** A new draft holding a copy of a published or archived version's rules (one draft at a time). */
export async function startRuleSetDraft(
  database: Database,
  input: { fromVersion: number; notes?: string | null; actor: OperatorActor },
) {
  return database.write(async (tx) => {
    const existing = await tx.query.ruleSets.findFirst({ where: eq(ruleSets.status, "draft") });
    if (existing) {
      throw new RulesEditorError(
        `Draft v${existing.version} is open already: publish or discard it first`,
      );
    }
    const source = await tx.query.ruleSets.findFirst({
      where: eq(ruleSets.version, input.fromVersion),
    });
    if (!source || source.status === "draft") {
      throw new RulesEditorError(`There is no published version ${input.fromVersion}`, 404);
    }
    const rules = await rulesOfSet(tx, source.id);
    const draft = await insertRuleSetDraft(tx, {
      rules,
      notes: input.notes?.trim() || null,
      createdBy: input.actor.actorId ?? null,
    });
    await audit(tx, {
      ...input.actor,
      action: "rule_set.draft_created",
      entityType: "rule_set",
      entityId: draft.id,
      details: { version: draft.version, from_version: source.version, rules: rules.length },
    });
    return draft;
  });
}

/** Saves the editor's rules and notes into the draft. */
export async function saveRuleSetDraft(
  database: Database,
  input: { ruleSetId: string; rules: readonly Rule[]; notes: string; actor: OperatorActor },
) {
  return database.write(async (tx) => {
    const draft = await replaceDraftRulesInTx(tx, input.ruleSetId, input.rules);
    await tx
      .update(ruleSets)
      .set({ notes: input.notes.trim() || null })
      .where(and(eq(ruleSets.id, input.ruleSetId), eq(ruleSets.status, "draft")));
    await audit(tx, {
      ...input.actor,
      action: "rule_set.draft_saved",
      entityType: "rule_set",
      entityId: input.ruleSetId,
      details: { version: draft.version, rules: input.rules.length },
    });
    return draft;
  });
}

/** Deletes a draft (published and archived versions can never be deleted). */
export async function discardRuleSetDraft(
  database: Database,
  input: { ruleSetId: string; actor: OperatorActor },
) {
  return database.write(async (tx) => {
    const set = await tx.query.ruleSets.findFirst({ where: eq(ruleSets.id, input.ruleSetId) });
    if (!set || set.status !== "draft") throw new RulesEditorError("There is no such draft", 404);
    await tx.delete(rulesTable).where(eq(rulesTable.ruleSetId, set.id));
    await tx.delete(ruleSets).where(and(eq(ruleSets.id, set.id), eq(ruleSets.status, "draft")));
    await audit(tx, {
      ...input.actor,
      action: "rule_set.draft_discarded",
      entityType: "rule_set",
      entityId: set.id,
      details: { version: set.version },
    });
    return { id: set.id, version: set.version };
  });
}

/** The draft's problems, grouped by rule (empty: it would publish). */
export function checkRules(rules: readonly Rule[]): RuleProblems[] {
  return groupProblems(rules, validateRules(rules));
}

export type PublishOutcome =
  { ok: true; version: number } | { ok: false; problems: RuleProblems[] };

/** Publishes the draft as the new version; an invalid draft is refused with its problems. */
export async function publishRuleSetDraft(
  database: Database,
  input: { ruleSetId: string; rules: readonly Rule[]; actor: OperatorActor },
): Promise<PublishOutcome> {
  try {
    const published = await publishRuleSet(database, input.ruleSetId, {
      publishedBy: input.actor.actorId ?? null,
      actor: input.actor,
    });
    return { ok: true, version: published.version };
  } catch (error) {
    if (error instanceof RuleValidationError) {
      return { ok: false, problems: groupProblems(input.rules, error.problems) };
    }
    if (error instanceof RuleSetStateError) throw new RulesEditorError(error.message, error.status);
    throw error;
  }
}

export type DryRun = {
  applicationId: string;
  decisionId: string;
  decidedAt: string;
  /** What the application's decision was when it was made, and with which version. */
  storedStatus: string;
  storedRuleSetVersion: number;
  comparison: DryRunComparison;
};

/**
 * Evaluates the draft's rules on an application's stored decision inputs (its latest engine
 * decision's snapshot), next to the published version, with the published pricing. Reading a
 * credit file is audited.
 */
export async function dryRunRuleSetDraft(
  database: Database,
  input: {
    draft: { id: string; version: number; rules: Rule[] };
    applicationId: string;
    actor: OperatorActor;
  },
): Promise<{ ok: true; dryRun: DryRun } | { ok: false; problems: RuleProblems[] }> {
  const applicationId = input.applicationId.trim();
  if (!applicationId) throw new RulesEditorError("Enter an application id for the dry run", 422);
  const decision = await database.db.query.decisions.findFirst({
    where: and(eq(decisions.applicationId, applicationId), isNull(decisions.decidedBy)),
    orderBy: desc(decisions.decidedAt),
  });
  if (!decision) {
    throw new RulesEditorError(`Application ${applicationId} has no decision to take inputs from`);
  }
  const snapshot = decision.snapshot as unknown as DecisionSnapshot;
  if (snapshot.snapshotVersion !== 1 || !snapshot.inputs) {
    throw new RulesEditorError(`Decision ${decision.id} has no stored inputs this engine can read`);
  }
  let draft: LoadedRuleSet;
  try {
    draft = { ...input.draft, compiled: compileRules(input.draft.rules) };
  } catch (error) {
    if (error instanceof RuleValidationError) {
      return { ok: false, problems: groupProblems(input.draft.rules, error.problems) };
    }
    throw error;
  }
  const [published, pricing] = await Promise.all([
    getPublishedRuleSet(database),
    getPublishedPricing(database),
  ]);
  if (!published || !pricing) throw new RulesEditorError("No published rule set or pricing");
  const comparison = compareRuleSets(snapshot.inputs, draft, published, pricing);
  await database.write((tx) =>
    audit(tx, {
      ...input.actor,
      action: "rule_set.dry_run",
      entityType: "application",
      entityId: applicationId,
      details: {
        rule_set_id: input.draft.id,
        version: input.draft.version,
        decision_id: decision.id,
      },
    }),
  );
  return {
    ok: true,
    dryRun: {
      applicationId,
      decisionId: decision.id,
      decidedAt: decision.decidedAt.toISOString(),
      storedStatus: decision.status,
      storedRuleSetVersion: decision.ruleSetVersion,
      comparison,
    },
  };
}
