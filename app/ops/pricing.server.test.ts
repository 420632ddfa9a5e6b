import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLogs } from "~/db/schema/index";
import type { createTestDatabase } from "~/db/testing";
import { defaultPricingTable } from "~/app/decisioning/default-pricing";
import { validatePricingTable } from "~/app/decisioning/pricing";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import { describePricing } from "./pricing-json";
import {
  checkPricing,
  discardPricingDraft,
  loadPricingVersions,
  PricingEditorError,
  publishPricingDraft,
  savePricingDraft,
  startPricingDraft,
} from "./pricing.server";
import type { OperatorActor } from "./rules.server";
import { analystDatabase } from "./testing";

describe("the pricing page's view", () => {
  it("describes a table: tiers, terms with their APR at a reference amount, plans", () => {
    const view = describePricing(defaultPricingTable)!;
    expect(view.tiers.map((tier) => [tier.name, tier.minScore, tier.aprAmountCents])).toEqual([
      ["A", 390, 800_000],
      ["B", 350, 800_000],
      ["C", 310, 750_000],
    ]);
    const a12 = view.tiers[0]!.terms[0]!;
    expect(a12).toMatchObject({ months: 12, noteRate: "7.990" });
    // The fee makes the APR higher than the note rate.
    expect(Number(a12.apr)).toBeGreaterThan(7.99);
    expect(view.tiers.every((tier) => tier.terms.every((term) => term.apr !== null))).toBe(true);
    expect(view.plans).toEqual([
      { name: "standard", promotional: null },
      {
        name: "promo_0apr_12",
        promotional: defaultPricingTable.merchantPlans.promo_0apr_12!.promotional,
      },
    ]);
    expect(describePricing({ tiers: "nope" })).toBeNull();
  });
});

describe("pricing drafts", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let operatorId: string;
  let actor: OperatorActor;

  beforeAll(async () => {
    ({ database, actor, operatorId } = await analystDatabase({
      email: "pricing@flowpay.test",
      name: "Pat Pricing",
      ip: "192.0.2.10",
    }));
  });
  afterAll(() => database.destroy());
  beforeEach(async () => {
    const { draft } = await loadPricingVersions(database);
    if (draft) await discardPricingDraft(database, { pricingId: draft.id, actor });
  });

  const auditOf = (action: string) =>
    database.db.select().from(auditLogs).where(eq(auditLogs.action, action));

  it("start from a published version, one at a time", async () => {
    const draft = await startPricingDraft(database, { fromVersion: 1, actor });
    const versions = await loadPricingVersions(database);
    expect(versions.draft).toMatchObject({ id: draft.id, createdBy: "Pat Pricing" });
    expect(versions.draft!.table).toEqual(defaultPricingTable);
    const again = await startPricingDraft(database, { fromVersion: 1, actor }).catch(
      (error: unknown) => error,
    );
    expect(again).toBeInstanceOf(PricingEditorError);
    expect((await auditOf("pricing.draft_created")).at(-1)).toMatchObject({
      entityId: draft.id,
      ip: "192.0.2.10",
      details: { version: draft.version, from_version: 1 },
    });
  });

  it("are checked by the publishing code, and an invalid one is refused", async () => {
    const draft = await startPricingDraft(database, { fromVersion: 1, actor });
    const table = structuredClone(defaultPricingTable);
    table.tiers[0]!.terms[0]!.noteRate = "40.000";
    table.tiers[2]!.minScore = 400;
    await savePricingDraft(database, { pricingId: draft.id, table, notes: "Too high", actor });
    const problems = checkPricing(table);
    expect(problems).toEqual(validatePricingTable(table));
    expect(problems).toEqual([
      "tiers.0: note rate 40.000 % is above the APR cap",
      "tiers.2: tiers must be listed from the highest minScore to the lowest",
    ]);
    expect(await publishPricingDraft(database, { pricingId: draft.id, actor })).toEqual({
      ok: false,
      problems,
    });
    expect((await getPublishedPricing(database))!.version).toBe(1);
    expect((await auditOf("pricing.draft_saved")).at(-1)).toMatchObject({
      entityId: draft.id,
      userAgent: "vitest",
    });
    // A document that is not a pricing table at all can be saved too (drafts are free-form).
    await savePricingDraft(database, { pricingId: draft.id, table: [1, 2], notes: "", actor });
    expect(checkPricing([1, 2])).toEqual([
      "(table): Invalid input: expected object, received array",
    ]);
  });

  it("publish as the next version with who published it", async () => {
    const draft = await startPricingDraft(database, { fromVersion: 1, actor });
    const table = structuredClone(defaultPricingTable);
    table.tiers[0]!.terms[2]!.noteRate = "9.490";
    await savePricingDraft(database, { pricingId: draft.id, table, notes: "A36 down", actor });
    expect(await publishPricingDraft(database, { pricingId: draft.id, actor })).toEqual({
      ok: true,
      version: draft.version,
    });
    const published = await getPublishedPricing(database);
    expect(published).toMatchObject({ version: draft.version, table });
    const versions = await loadPricingVersions(database);
    expect(versions.published).toMatchObject({ publishedBy: "Pat Pricing", notes: "A36 down" });
    expect(versions.history.map((row) => row.status)).toEqual(["published", "archived"]);
    expect((await auditOf("pricing.published")).at(-1)).toMatchObject({
      actorId: operatorId,
      ip: "192.0.2.10",
    });
    // A published version is no draft any more.
    const discarded = await discardPricingDraft(database, { pricingId: draft.id, actor }).catch(
      (error: unknown) => error,
    );
    expect(discarded).toBeInstanceOf(PricingEditorError);
  });
});
