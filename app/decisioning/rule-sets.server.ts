import { and, asc, desc, eq, max } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { ruleSets, rules as rulesTable } from "~/db/schema/index";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import type { LoadedRuleSet } from "./engine";
import {
  compileRules,
  RuleValidationError,
  validateRules,
  type Operator,
  type Rule,
} from "./rules";
import { RefusalError } from "~/app/errors/refusal";

/**
 * Versioned rule sets: a draft is edited freely; publishing validates every rule (unknown
 * field, operator, value type or reason code → refused with the list of problems), archives
 * the previously published set and freezes the new one (migration 0005's triggers keep it
 * frozen). Decisions record the version they used; old versions stay loadable for replay.
 */
export type Actor = Pick<AuditEntry, "actorType" | "actorId">;
const systemActor: Actor = { actorType: "system", actorId: "decisioning" };

export class RuleSetStateError extends RefusalError {
  // The status: 404 nothing by that id, 409 not in that state.
  override name = "RuleSetStateError";
}

type RuleRow = typeof rulesTable.$inferSelect;

const toRule = (row: RuleRow): Rule => ({
  key: row.key,
  name: row.name,
  field: row.field,
  operator: row.operator as Operator,
  value: row.value,
  action: row.action,
  reasonCode: row.reasonCode,
});

async function insertRules(tx: Tx, ruleSetId: string, rules: readonly Rule[]) {
  if (rules.length === 0) return;
  await tx.insert(rulesTable).values(
    rules.map((rule, position) => ({
      id: newId("rul"),
      ruleSetId,
      position,
      key: rule.key,
      name: rule.name,
      field: rule.field,
      operator: rule.operator,
      value: rule.value ?? null,
      action: rule.action,
      reasonCode: rule.reasonCode ?? null,
    })),
  );
}

/** Inside a write transaction: a new draft with the next version number. */
export async function insertRuleSetDraft(
  tx: Tx,
  input: { rules: readonly Rule[]; notes?: string | null; createdBy?: string | null },
) {
  const [{ current } = { current: 0 }] = await tx
    .select({ current: max(ruleSets.version) })
    .from(ruleSets);
  const version = (current ?? 0) + 1;
  const id = newId("rs");
  await tx.insert(ruleSets).values({
    id,
    version,
    status: "draft",
    notes: input.notes ?? null,
    createdBy: input.createdBy ?? null,
  });
  await insertRules(tx, id, input.rules);
  return { id, version };
}

/** Inside a write transaction: validate and publish a draft, archiving the previous version. */
export async function publishRuleSetInTx(
  tx: Tx,
  ruleSetId: string,
  options: { publishedBy?: string | null; actor?: Actor; now?: Date } = {},
) {
  const set = await tx.query.ruleSets.findFirst({ where: eq(ruleSets.id, ruleSetId) });
  if (!set) throw new RuleSetStateError(`Rule set ${ruleSetId} does not exist`, 404);
  if (set.status !== "draft")
    throw new RuleSetStateError(`Rule set v${set.version} is ${set.status}, not a draft`);
  const rows = await tx.query.rules.findMany({
    where: eq(rulesTable.ruleSetId, ruleSetId),
    orderBy: asc(rulesTable.position),
  });
  const problems = validateRules(rows.map(toRule));
  if (problems.length > 0) throw new RuleValidationError(problems);
  const now = options.now ?? new Date();
  await tx.update(ruleSets).set({ status: "archived" }).where(eq(ruleSets.status, "published"));
  await tx
    .update(ruleSets)
    .set({ status: "published", publishedAt: now, publishedBy: options.publishedBy ?? null })
    .where(and(eq(ruleSets.id, ruleSetId), eq(ruleSets.status, "draft")));
  await audit(tx, {
    ...(options.actor ?? systemActor),
    action: "rule_set.published",
    entityType: "rule_set",
    entityId: ruleSetId,
    details: { version: set.version, rules: rows.length },
  });
  return { id: ruleSetId, version: set.version };
}

export async function createRuleSetDraft(
  database: Database,
  input: {
    rules: readonly Rule[];
    notes?: string | null;
    createdBy?: string | null;
    actor?: Actor;
  },
) {
  return database.write(async (tx) => {
    const draft = await insertRuleSetDraft(tx, input);
    await audit(tx, {
      ...(input.actor ?? systemActor),
      action: "rule_set.draft_created",
      entityType: "rule_set",
      entityId: draft.id,
      details: { version: draft.version, rules: input.rules.length },
    });
    return draft;
  });
}

/** Inside a write transaction: replaces every rule of a draft (the editor saves the whole list). */
export async function replaceDraftRulesInTx(tx: Tx, ruleSetId: string, rules: readonly Rule[]) {
  const set = await tx.query.ruleSets.findFirst({ where: eq(ruleSets.id, ruleSetId) });
  if (!set) throw new RuleSetStateError(`Rule set ${ruleSetId} does not exist`, 404);
  if (set.status !== "draft")
    throw new RuleSetStateError(
      `Rule set v${set.version} is ${set.status}; copy it into a new draft`,
    );
  await tx.delete(rulesTable).where(eq(rulesTable.ruleSetId, ruleSetId));
  await insertRules(tx, ruleSetId, rules);
  return { id: ruleSetId, version: set.version };
}

/** Replaces every rule of a draft (the editor saves the whole list). */
export async function replaceDraftRules(
  database: Database,
  ruleSetId: string,
  rules: readonly Rule[],
) {
  await database.write((tx) => replaceDraftRulesInTx(tx, ruleSetId, rules));
}

/**
 * A version's rules in their order (the order is meaning: decline reasons appear on the notice
 * in it), inside a transaction or not. The one read of a set's rules, for the engine and the
 * editor alike.
 */
export async function rulesOfSet(db: Tx | Database["db"], ruleSetId: string): Promise<Rule[]> {
  const rows = await db.query.rules.findMany({
    where: eq(rulesTable.ruleSetId, ruleSetId),
    orderBy: asc(rulesTable.position),
  });
  return rows.map(toRule);
}

/** The problems that would stop a draft from being published (empty: publishable). */
export async function checkRuleSetDraft(database: Database, ruleSetId: string): Promise<string[]> {
  return validateRules(await rulesOfSet(database.db, ruleSetId));
}

export async function publishRuleSet(
  database: Database,
  ruleSetId: string,
  options: { publishedBy?: string | null; actor?: Actor } = {},
) {
  return database.write((tx) => publishRuleSetInTx(tx, ruleSetId, options));
}

/** Published and archived sets never change, so their compiled form is cached by id. */
const compiledCache = new Map<string, LoadedRuleSet>();

async function load(database: Database, set: typeof ruleSets.$inferSelect): Promise<LoadedRuleSet> {
  const cached = compiledCache.get(set.id);
  if (cached) return cached;
  const rules = await rulesOfSet(database.db, set.id);
  const loaded: LoadedRuleSet = {
    id: set.id,
    version: set.version,
    rules,
    compiled: compileRules(rules),
  };
  if (set.status !== "draft") compiledCache.set(set.id, loaded);
  return loaded;
}

export async function getPublishedRuleSet(database: Database): Promise<LoadedRuleSet | null> {
  const set = await database.db.query.ruleSets.findFirst({
    where: eq(ruleSets.status, "published"),
    orderBy: desc(ruleSets.version),
  });
  return set ? load(database, set) : null;
}

/** Any version that was published (published or archived), e.g. to replay a decision. */
export async function getRuleSetByVersion(
  database: Database,
  version: number,
): Promise<LoadedRuleSet | null> {
  const set = await database.db.query.ruleSets.findFirst({ where: eq(ruleSets.version, version) });
  if (!set || set.status === "draft") return null;
  return load(database, set);
}
