import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import { auditLogs, pricingRules, ruleSets, rules } from "~/db/schema/index";
import { defaultPricingTable } from "./default-pricing";
import { defaultRules } from "./default-rules";
import {
  createPricingDraft,
  getPricingByVersion,
  getPublishedPricing,
  publishPricing,
  PricingValidationError,
} from "./pricing-rules.server";
import {
  checkRuleSetDraft,
  createRuleSetDraft,
  getPublishedRuleSet,
  getRuleSetByVersion,
  publishRuleSet,
  replaceDraftRules,
  RuleSetStateError,
} from "./rule-sets.server";
import { RuleValidationError, type Rule } from "./rules";
import { ensureDecisioningDefaults } from "./seed.server";

let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("default versions", () => {
  it("are published once, however often boot runs", async () => {
    expect(await ensureDecisioningDefaults(database)).toEqual({ ruleSet: true, pricing: true });
    expect(await ensureDecisioningDefaults(database)).toEqual({ ruleSet: false, pricing: false });
    await Promise.all([ensureDecisioningDefaults(database), ensureDecisioningDefaults(database)]);
    expect(await database.db.$count(ruleSets)).toBe(1);
    expect(await database.db.$count(pricingRules)).toBe(1);
    const published = await getPublishedRuleSet(database);
    expect(published).toMatchObject({ version: 1 });
    expect(published!.rules.map((rule) => rule.key)).toEqual(defaultRules.map((rule) => rule.key));
    expect((await getPublishedPricing(database))!.table).toEqual(defaultPricingTable);
  });
});

describe("rule set versions", () => {
  const stricter: Rule[] = defaultRules.map((rule) =>
    rule.key === "credit_score_floor" ? { ...rule, value: 600 } : rule,
  );

  it("refuses to publish a draft with an unknown field or operator, saying which and why", async () => {
    const draft = await createRuleSetDraft(database, {
      rules: [
        ...stricter,
        { ...stricter[0]!, key: "typo", field: "credit.scor", operator: "lt", value: 500 },
      ],
      notes: "floor 600",
    });
    expect(draft.version).toBe(2);
    const error = await rejection(publishRuleSet(database, draft.id));
    expect(error).toBeInstanceOf(RuleValidationError);
    expect(error.message).toContain(
      'Rule "typo": unknown field "credit.scor" (did you mean "credit.score"?)',
    );
    expect(await checkRuleSetDraft(database, draft.id)).toHaveLength(1);
    const row = await database.db.query.ruleSets.findFirst({ where: eq(ruleSets.id, draft.id) });
    expect(row!.status).toBe("draft");
    expect((await getPublishedRuleSet(database))!.version).toBe(1);

    await replaceDraftRules(database, draft.id, [
      ...stricter,
      { ...stricter[0]!, key: "odd", operator: "matches" as Rule["operator"] },
    ]);
    expect((await rejection(publishRuleSet(database, draft.id))).message).toContain(
      'unknown operator "matches"',
    );
  });

  it("publishes a fixed draft as the new version, archives the old one, keeps both loadable", async () => {
    const draft = (await database.db.query.ruleSets.findFirst({ where: eq(ruleSets.version, 2) }))!;
    await replaceDraftRules(database, draft.id, stricter);
    await publishRuleSet(database, draft.id, {
      actor: { actorType: "operator", actorId: "op_test" },
    });
    const current = await getPublishedRuleSet(database);
    expect(current!.version).toBe(2);
    expect(current!.rules.find((rule) => rule.key === "credit_score_floor")!.value).toBe(600);
    expect(
      (await getRuleSetByVersion(database, 1))!.rules.find(
        (rule) => rule.key === "credit_score_floor",
      )!.value,
    ).toBe(580);
    const statuses = await database.db
      .select({ version: ruleSets.version, status: ruleSets.status })
      .from(ruleSets)
      .orderBy(ruleSets.version);
    expect(statuses).toEqual([
      { version: 1, status: "archived" },
      { version: 2, status: "published" },
    ]);
    const audit = await database.db.query.auditLogs.findFirst({
      where: eq(auditLogs.entityId, draft.id),
      orderBy: sql`${auditLogs.id} desc`,
    });
    expect(audit).toMatchObject({
      action: "rule_set.published",
      actorType: "operator",
      actorId: "op_test",
    });
  });

  it("a published rule set cannot be edited, by the app or by SQL", async () => {
    const published = (await getPublishedRuleSet(database))!;
    expect(await rejection(replaceDraftRules(database, published.id, defaultRules))).toBeInstanceOf(
      RuleSetStateError,
    );
    expect(await rejection(publishRuleSet(database, published.id))).toBeInstanceOf(
      RuleSetStateError,
    );
    const attempts = [
      sql`UPDATE rules SET value = '700' WHERE rule_set_id = ${published.id}`,
      sql`DELETE FROM rules WHERE rule_set_id = ${published.id}`,
      sql`INSERT INTO rules (id, rule_set_id, position, key, name, field, operator, value, action) VALUES ('x', ${published.id}, 99, 'x', 'x', 'credit.score', 'lt', '1', 'decline')`,
      sql`UPDATE rule_sets SET version = 99 WHERE id = ${published.id}`,
      sql`UPDATE rule_sets SET status = 'draft' WHERE id = ${published.id}`,
      sql`DELETE FROM rule_sets WHERE id = ${published.id}`,
    ];
    for (const statement of attempts) {
      const error = await rejection(database.serialized(() => database.db.run(statement)));
      expect(String(error.message) + String((error as { cause?: Error }).cause?.message)).toMatch(
        /published rule set/,
      );
    }
    expect(
      (await database.db.select().from(rules).where(eq(rules.ruleSetId, published.id))).length,
    ).toBe(defaultRules.length);
  });
});

describe("pricing versions", () => {
  it("refuses a table whose APR would exceed the cap, and publishes a valid one", async () => {
    const bad = structuredClone(defaultPricingTable);
    bad.tiers[2]!.terms[0]!.noteRate = "35.500";
    const draft = await createPricingDraft(database, { table: bad });
    const error = await rejection(publishPricing(database, draft.id));
    expect(error).toBeInstanceOf(PricingValidationError);
    expect(error.message).toMatch(/above the 36.000 % cap/);

    const good = structuredClone(defaultPricingTable);
    good.tiers[0]!.terms[0]!.noteRate = "6.990";
    const next = await createPricingDraft(database, { table: good });
    await publishPricing(database, next.id);
    expect((await getPublishedPricing(database))!.table.tiers[0]!.terms[0]!.noteRate).toBe("6.990");
    expect((await getPricingByVersion(database, 1))!.table).toEqual(defaultPricingTable);
    const frozen = await rejection(
      database.serialized(() =>
        database.db.run(sql`UPDATE pricing_rules SET "table" = '{}' WHERE id = ${next.id}`),
      ),
    );
    expect(String(frozen.message) + String((frozen as { cause?: Error }).cause?.message)).toMatch(
      /published pricing/,
    );
  });
});
