import { and, desc, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { pricingRules } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import { validatePricingTable } from "~/app/decisioning/pricing";
import {
  insertPricingDraft,
  PricingStateError,
  PricingValidationError,
  publishPricing,
  replacePricingDraftInTx,
} from "~/app/decisioning/pricing-rules.server";
import type { OperatorActor } from "./rules.server";
import { versionSummaries, type VersionSummary } from "./versions.server";
import { RefusalError } from "~/app/errors/refusal";

/**
 * The pricing screen's domain glue, the same pattern as rules: versions with who made and
 * published them, one draft at a time started from any published or archived version, saving
 * (any JSON document: drafts are edited freely), validating and publishing with
 * validatePricingTable — the check publishing itself runs. Changes are audited in their
 * transaction.
 */
export class PricingEditorError extends RefusalError {
  // The status: 404 nothing by that id, 409 not in that state.
  override name = "PricingEditorError";
}

export type PricingSummary = VersionSummary;

export async function loadPricingVersions(database: Database): Promise<{
  published: (PricingSummary & { table: unknown }) | null;
  draft: (PricingSummary & { table: unknown }) | null;
  history: PricingSummary[];
}> {
  const rows = await database.db.select().from(pricingRules).orderBy(desc(pricingRules.version));
  const summary = await versionSummaries(database, rows);
  const published = rows.find((row) => row.status === "published");
  const draft = rows.find((row) => row.status === "draft");
  return {
    published: published ? { ...summary(published), table: published.table } : null,
    draft: draft ? { ...summary(draft), table: draft.table } : null,
    history: rows.map(summary),
  };
}

export async function startPricingDraft(
  database: Database,
  input: { fromVersion: number; notes?: string | null; actor: OperatorActor },
) {
  return database.write(async (tx) => {
    const existing = await tx.query.pricingRules.findFirst({
      where: eq(pricingRules.status, "draft"),
    });
    if (existing) {
      throw new PricingEditorError(
        `Draft v${existing.version} is open already: publish or discard it first`,
      );
    }
    const source = await tx.query.pricingRules.findFirst({
      where: eq(pricingRules.version, input.fromVersion),
    });
    if (!source || source.status === "draft") {
      throw new PricingEditorError(`There is no published version ${input.fromVersion}`, 404);
    }
    const draft = await insertPricingDraft(tx, {
      table: source.table,
      notes: input.notes?.trim() || null,
      createdBy: input.actor.actorId ?? null,
    });
    await audit(tx, {
      ...input.actor,
      action: "pricing.draft_created",
      entityType: "pricing_rules",
      entityId: draft.id,
      details: { version: draft.version, from_version: source.version },
    });
    return draft;
  });
}

export async function savePricingDraft(
  database: Database,
  input: { pricingId: string; table: unknown; notes: string; actor: OperatorActor },
) {
  return database.write(async (tx) => {
    const draft = await replacePricingDraftInTx(tx, input.pricingId, input.table);
    await tx
      .update(pricingRules)
      .set({ notes: input.notes.trim() || null })
      .where(and(eq(pricingRules.id, input.pricingId), eq(pricingRules.status, "draft")));
    await audit(tx, {
      ...input.actor,
      action: "pricing.draft_saved",
      entityType: "pricing_rules",
      entityId: input.pricingId,
      details: { version: draft.version },
    });
    return draft;
  });
}

export async function discardPricingDraft(
  database: Database,
  input: { pricingId: string; actor: OperatorActor },
) {
  return database.write(async (tx) => {
    const row = await tx.query.pricingRules.findFirst({
      where: eq(pricingRules.id, input.pricingId),
    });
    if (!row || row.status !== "draft") throw new PricingEditorError("There is no such draft", 404);
    await tx
      .delete(pricingRules)
      .where(and(eq(pricingRules.id, row.id), eq(pricingRules.status, "draft")));
    await audit(tx, {
      ...input.actor,
      action: "pricing.draft_discarded",
      entityType: "pricing_rules",
      entityId: row.id,
      details: { version: row.version },
    });
    return { id: row.id, version: row.version };
  });
}

/** The problems that stop a table from being published: the publishing check itself. */
export function checkPricing(table: unknown): string[] {
  return validatePricingTable(table);
}

export async function publishPricingDraft(
  database: Database,
  input: { pricingId: string; actor: OperatorActor },
): Promise<{ ok: true; version: number } | { ok: false; problems: string[] }> {
  try {
    const published = await publishPricing(database, input.pricingId, {
      publishedBy: input.actor.actorId ?? null,
      actor: input.actor,
    });
    return { ok: true, version: published.version };
  } catch (error) {
    if (error instanceof PricingValidationError) return { ok: false, problems: error.problems };
    if (error instanceof PricingStateError)
      throw new PricingEditorError(error.message, error.status);
    throw error;
  }
}
