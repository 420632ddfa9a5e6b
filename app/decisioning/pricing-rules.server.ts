import { and, desc, eq, max } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { pricingRules } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import type { LoadedPricing } from "./engine";
import { pricingTableSchema, validatePricingTable } from "./pricing";
import type { Actor } from "./rule-sets.server";
import { RefusalError } from "~/app/errors/refusal";

/**
 * Versioned pricing tables, like rule sets: drafts are edited, publishing validates the
 * whole table (schema, tier order, amount limits, every term's APR under the cap) and
 * freezes it; the previous version is archived but stays loadable for replay.
 */
export class PricingValidationError extends Error {
  override name = "PricingValidationError";
  constructor(readonly problems: string[]) {
    super(`The pricing table cannot be published:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export class PricingStateError extends RefusalError {
  // The status: 404 nothing by that id, 409 not in that state.
  override name = "PricingStateError";
}

const systemActor: Actor = { actorType: "system", actorId: "decisioning" };

export async function insertPricingDraft(
  tx: Tx,
  input: { table: unknown; notes?: string | null; createdBy?: string | null },
) {
  const [{ current } = { current: 0 }] = await tx
    .select({ current: max(pricingRules.version) })
    .from(pricingRules);
  const version = (current ?? 0) + 1;
  const id = newId("prc");
  await tx.insert(pricingRules).values({
    id,
    version,
    status: "draft",
    table: input.table as Record<string, unknown>,
    notes: input.notes ?? null,
    createdBy: input.createdBy ?? null,
  });
  return { id, version };
}

export async function publishPricingInTx(
  tx: Tx,
  pricingId: string,
  options: { publishedBy?: string | null; actor?: Actor; now?: Date } = {},
) {
  const row = await tx.query.pricingRules.findFirst({ where: eq(pricingRules.id, pricingId) });
  if (!row) throw new PricingStateError(`Pricing ${pricingId} does not exist`, 404);
  if (row.status !== "draft")
    throw new PricingStateError(`Pricing v${row.version} is ${row.status}, not a draft`);
  const problems = validatePricingTable(row.table);
  if (problems.length > 0) throw new PricingValidationError(problems);
  await tx
    .update(pricingRules)
    .set({ status: "archived" })
    .where(eq(pricingRules.status, "published"));
  await tx
    .update(pricingRules)
    .set({
      status: "published",
      publishedAt: options.now ?? new Date(),
      publishedBy: options.publishedBy ?? null,
    })
    .where(and(eq(pricingRules.id, pricingId), eq(pricingRules.status, "draft")));
  await audit(tx, {
    ...(options.actor ?? systemActor),
    action: "pricing.published",
    entityType: "pricing_rules",
    entityId: pricingId,
    details: { version: row.version },
  });
  return { id: pricingId, version: row.version };
}

export async function createPricingDraft(
  database: Database,
  input: { table: unknown; notes?: string | null; createdBy?: string | null; actor?: Actor },
) {
  return database.write(async (tx) => {
    const draft = await insertPricingDraft(tx, input);
    await audit(tx, {
      ...(input.actor ?? systemActor),
      action: "pricing.draft_created",
      entityType: "pricing_rules",
      entityId: draft.id,
      details: { version: draft.version },
    });
    return draft;
  });
}

/** Inside a write transaction: replaces a draft's table. */
export async function replacePricingDraftInTx(tx: Tx, pricingId: string, table: unknown) {
  const row = await tx.query.pricingRules.findFirst({ where: eq(pricingRules.id, pricingId) });
  if (!row) throw new PricingStateError(`Pricing ${pricingId} does not exist`, 404);
  if (row.status !== "draft")
    throw new PricingStateError(
      `Pricing v${row.version} is ${row.status}; copy it into a new draft`,
    );
  await tx
    .update(pricingRules)
    .set({ table: table as Record<string, unknown> })
    .where(eq(pricingRules.id, pricingId));
  return { id: pricingId, version: row.version };
}

export async function replacePricingDraft(database: Database, pricingId: string, table: unknown) {
  await database.write((tx) => replacePricingDraftInTx(tx, pricingId, table));
}

export async function publishPricing(
  database: Database,
  pricingId: string,
  options: { publishedBy?: string | null; actor?: Actor } = {},
) {
  return database.write((tx) => publishPricingInTx(tx, pricingId, options));
}

const cache = new Map<string, LoadedPricing>();

function load(row: typeof pricingRules.$inferSelect): LoadedPricing {
  const cached = cache.get(row.id);
  if (cached) return cached;
  const loaded: LoadedPricing = {
    id: row.id,
    version: row.version,
    table: pricingTableSchema.parse(row.table),
  };
  if (row.status !== "draft") cache.set(row.id, loaded);
  return loaded;
}

export async function getPublishedPricing(database: Database): Promise<LoadedPricing | null> {
  const row = await database.db.query.pricingRules.findFirst({
    where: eq(pricingRules.status, "published"),
    orderBy: desc(pricingRules.version),
  });
  return row ? load(row) : null;
}

export async function getPricingByVersion(
  database: Database,
  version: number,
): Promise<LoadedPricing | null> {
  const row = await database.db.query.pricingRules.findFirst({
    where: eq(pricingRules.version, version),
  });
  if (!row || row.status === "draft") return null;
  return load(row);
}
