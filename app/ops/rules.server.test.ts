import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import {
  applications,
  auditLogs,
  customers,
  decisions,
  merchants,
  ruleSets,
  serviceJobs,
} from "~/db/schema/index";
import type { createTestDatabase } from "~/db/testing";
import { defaultRules } from "~/app/decisioning/default-rules";
import { buildSnapshot, evaluate } from "~/app/decisioning/engine";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import { getPublishedRuleSet } from "~/app/decisioning/rule-sets.server";
import type { Rule } from "~/app/decisioning/rules";
import { applicantInputs } from "~/app/decisioning/testing";
import {
  checkRules,
  discardRuleSetDraft,
  dryRunRuleSetDraft,
  loadRuleSets,
  publishRuleSetDraft,
  RulesEditorError,
  saveRuleSetDraft,
  startRuleSetDraft,
  type OperatorActor,
} from "./rules.server";
import { analystDatabase } from "./testing";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let operatorId: string;
let actor: OperatorActor;

beforeAll(async () => {
  ({ database, actor, operatorId } = await analystDatabase({
    email: "analyst@flowpay.test",
    name: "Riley Analyst",
    ip: "203.0.113.7",
  }));
});
afterAll(() => database.destroy());

beforeEach(async () => {
  // Each test starts without a draft.
  const { draft } = await loadRuleSets(database);
  if (draft) await discardRuleSetDraft(database, { ruleSetId: draft.id, actor });
});

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** An application decided by the engine with the published versions, from sandbox inputs. */
async function decidedApplication(ssnLast4: string) {
  const merchantId = newId("mer");
  const customerId = newId("cus");
  const jobId = newId("job");
  const applicationId = newId("app");
  const inputs = applicantInputs(ssnLast4, {
    application: { id: applicationId },
    merchant: { id: merchantId },
  });
  const [ruleSet, pricing] = [
    (await getPublishedRuleSet(database))!,
    (await getPublishedPricing(database))!,
  ];
  const result = evaluate(inputs, ruleSet, pricing);
  await database.write(async (tx) => {
    await tx
      .insert(merchants)
      .values({ id: merchantId, name: "Acme Pest Control", slug: `acme-${merchantId}` });
    await tx.insert(customers).values({
      id: customerId,
      merchantId,
      crmCustomerId: customerId,
      firstName: "Dana",
      lastName: "Rivera",
      phone: "+15125550100",
      addressLine1: "12 Elm St",
      city: "Austin",
      state: "TX",
      postalCode: "78701",
    });
    await tx.insert(serviceJobs).values({
      id: jobId,
      merchantId,
      customerId,
      crmJobId: jobId,
      estimateCents: 800_000,
    });
    await tx.insert(applications).values({
      id: applicationId,
      merchantId,
      customerId,
      serviceJobId: jobId,
      crm: "fieldroutes",
      status: result.status,
      amountCents: 800_000,
    });
    await tx.insert(decisions).values({
      id: newId("dec"),
      applicationId,
      status: result.status,
      score: result.score.total,
      tier: result.tier,
      ruleSetVersion: ruleSet.version,
      pricingVersion: pricing.version,
      engineVersion: "1.0.0",
      snapshot: JSON.parse(
        JSON.stringify(buildSnapshot(inputs, ruleSet, pricing, result)),
      ) as Record<string, unknown>,
      decidedAt: new Date(),
    });
  });
  return { applicationId, status: result.status };
}

async function auditRows(action: string) {
  return database.db.select().from(auditLogs).where(eq(auditLogs.action, action));
}

describe("drafts", () => {
  it("start as a copy of a published version, one at a time, audited with the operator", async () => {
    const draft = await startRuleSetDraft(database, { fromVersion: 1, notes: "Tighten", actor });
    const sets = await loadRuleSets(database);
    expect(sets.draft).toMatchObject({
      id: draft.id,
      version: draft.version,
      notes: "Tighten",
      createdBy: "Riley Analyst",
    });
    expect(sets.draft!.rules).toEqual(defaultRules);
    expect(sets.published).toMatchObject({ version: 1 });

    const again = await rejection(startRuleSetDraft(database, { fromVersion: 1, actor }));
    expect(again).toBeInstanceOf(RulesEditorError);
    expect(again.message).toMatch(/is open already/);

    const [created] = (await auditRows("rule_set.draft_created")).filter(
      (row) => row.entityId === draft.id,
    );
    expect(created).toMatchObject({
      actorType: "operator",
      actorId: operatorId,
      ip: "203.0.113.7",
      userAgent: "vitest",
      details: { version: draft.version, from_version: 1, rules: defaultRules.length },
    });
  });

  it("cannot start from a version that was never published", async () => {
    const error = await rejection(startRuleSetDraft(database, { fromVersion: 99, actor }));
    expect(error.message).toBe("There is no published version 99");
  });

  it("save rules and notes; an invalid rule is saved and reported by validation", async () => {
    const draft = await startRuleSetDraft(database, { fromVersion: 1, actor });
    const rules: Rule[] = [
      ...defaultRules,
      {
        key: "score_band",
        name: "Score band",
        field: "credit.scor",
        operator: "gt",
        value: "abc",
        action: "decline",
        reasonCode: null,
      },
    ];
    await saveRuleSetDraft(database, { ruleSetId: draft.id, rules, notes: " Band ", actor });
    const sets = await loadRuleSets(database);
    expect(sets.draft!.rules).toEqual(rules);
    expect(sets.draft!.notes).toBe("Band");
    expect(checkRules(rules)).toEqual([
      {
        position: defaultRules.length + 1,
        key: "score_band",
        messages: [
          'unknown field "credit.scor" (did you mean "credit.score"?)',
          "a decline rule needs a reason code",
        ],
      },
    ]);
    const saved = (await auditRows("rule_set.draft_saved")).filter(
      (row) => row.entityId === draft.id,
    );
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ ip: "203.0.113.7", details: { rules: rules.length } });

    // Publishing refuses it with the same messages, and nothing changes.
    const refused = await publishRuleSetDraft(database, { ruleSetId: draft.id, rules, actor });
    expect(refused).toEqual({ ok: false, problems: checkRules(rules) });
    expect((await loadRuleSets(database)).published!.version).toBe(1);
  });

  it("are discarded, audited; published versions cannot be", async () => {
    const draft = await startRuleSetDraft(database, { fromVersion: 1, actor });
    await discardRuleSetDraft(database, { ruleSetId: draft.id, actor });
    expect(await database.db.query.ruleSets.findFirst({ where: eq(ruleSets.id, draft.id) })).toBe(
      undefined,
    );
    expect((await auditRows("rule_set.draft_discarded")).at(-1)).toMatchObject({
      entityId: draft.id,
      ip: "203.0.113.7",
    });
    const published = (await loadRuleSets(database)).published!;
    const error = await rejection(
      discardRuleSetDraft(database, { ruleSetId: published.id, actor }),
    );
    expect(error).toBeInstanceOf(RulesEditorError);
  });
});

describe("dry run", () => {
  it("compares the draft with the published version on the stored inputs, rule by rule", async () => {
    const { applicationId, status } = await decidedApplication("7200");
    expect(status).toBe("approved");
    const draft = await startRuleSetDraft(database, { fromVersion: 1, actor });
    const rules = defaultRules.map((rule) =>
      rule.key === "credit_score_floor" ? { ...rule, value: 730 } : rule,
    );
    const outcome = await dryRunRuleSetDraft(database, {
      draft: { id: draft.id, version: draft.version, rules },
      applicationId: ` ${applicationId} `,
      actor,
    });
    if (!outcome.ok) throw new Error("expected a dry run");
    const { comparison } = outcome.dryRun;
    expect(outcome.dryRun).toMatchObject({
      applicationId,
      storedStatus: "approved",
      storedRuleSetVersion: 1,
    });
    expect(comparison.published).toMatchObject({ version: 1, status: "approved", tier: "A" });
    expect(comparison.published.offers).toBeGreaterThan(0);
    expect(comparison.draft).toMatchObject({
      version: draft.version,
      status: "declined",
      declineReasons: ["credit_score_below_floor"],
      offers: 0,
    });
    expect(comparison.outcomeChanged).toBe(true);
    const floor = comparison.rows.find((row) => row.key === "credit_score_floor")!;
    expect(floor).toEqual({
      key: "credit_score_floor",
      name: "Credit score below 580",
      field: "credit.score",
      actual: "720",
      draft: { fired: true, action: "decline", condition: "credit.score lt 730" },
      published: { fired: false, action: "decline", condition: "credit.score lt 580" },
      changed: true,
    });
    expect(comparison.rows.filter((row) => row.changed).map((row) => row.key)).toEqual([
      "credit_score_floor",
    ]);
    expect((await auditRows("rule_set.dry_run")).at(-1)).toMatchObject({
      entityType: "application",
      entityId: applicationId,
      ip: "203.0.113.7",
    });
  });

  it("lists rules added or removed by the draft", async () => {
    const { applicationId } = await decidedApplication("7800");
    const draft = await startRuleSetDraft(database, { fromVersion: 1, actor });
    const rules: Rule[] = [
      ...defaultRules.filter((rule) => rule.key !== "thin_file"),
      {
        key: "score_band",
        name: "Score band",
        field: "credit.score",
        operator: "in",
        value: [780],
        action: "manual_review",
        reasonCode: "low_credit_score",
      },
    ];
    const outcome = await dryRunRuleSetDraft(database, {
      draft: { id: draft.id, version: draft.version, rules },
      applicationId,
      actor,
    });
    if (!outcome.ok) throw new Error("expected a dry run");
    const rows = outcome.dryRun.comparison.rows;
    expect(rows.find((row) => row.key === "score_band")).toMatchObject({
      draft: { fired: true, action: "manual_review" },
      published: null,
      changed: true,
    });
    expect(rows.find((row) => row.key === "thin_file")).toMatchObject({
      draft: null,
      published: { fired: false },
      changed: true,
    });
    expect(outcome.dryRun.comparison.draft).toMatchObject({
      status: "manual_review",
      reviewReasons: ["low_credit_score"],
    });
  });

  it("needs a valid draft and an application with a decision", async () => {
    const draft = await startRuleSetDraft(database, { fromVersion: 1, actor });
    const { applicationId } = await decidedApplication("7800");
    const invalid = await dryRunRuleSetDraft(database, {
      draft: { id: draft.id, version: draft.version, rules: [] },
      applicationId,
      actor,
    });
    expect(invalid).toEqual({
      ok: false,
      problems: [{ position: null, key: null, messages: ["A rule set needs at least one rule"] }],
    });
    const missing = await rejection(
      dryRunRuleSetDraft(database, {
        draft: { id: draft.id, version: draft.version, rules: defaultRules },
        applicationId: "app_nope",
        actor,
      }),
    );
    expect(missing.message).toBe("Application app_nope has no decision to take inputs from");
    const empty = await rejection(
      dryRunRuleSetDraft(database, {
        draft: { id: draft.id, version: draft.version, rules: defaultRules },
        applicationId: "  ",
        actor,
      }),
    );
    expect(empty.message).toBe("Enter an application id for the dry run");
  });
});

describe("publishing", () => {
  it("makes the draft the version decisions use, with who published it", async () => {
    const draft = await startRuleSetDraft(database, { fromVersion: 1, actor });
    const rules = defaultRules.map((rule) =>
      rule.key === "credit_score_floor" ? { ...rule, value: 600 } : rule,
    );
    await saveRuleSetDraft(database, { ruleSetId: draft.id, rules, notes: "Floor 600", actor });
    const outcome = await publishRuleSetDraft(database, { ruleSetId: draft.id, rules, actor });
    expect(outcome).toEqual({ ok: true, version: draft.version });
    const published = await getPublishedRuleSet(database);
    expect(published).toMatchObject({ id: draft.id, version: draft.version, rules });
    const sets = await loadRuleSets(database);
    expect(sets.draft).toBeNull();
    expect(sets.published).toMatchObject({
      version: draft.version,
      publishedBy: "Riley Analyst",
      notes: "Floor 600",
    });
    expect(sets.history.map((set) => [set.version, set.status])).toContainEqual([1, "archived"]);
    expect((await auditRows("rule_set.published")).at(-1)).toMatchObject({
      actorId: operatorId,
      ip: "203.0.113.7",
      userAgent: "vitest",
      entityId: draft.id,
    });

    // Restoring: a draft from the archived v1, published again.
    const restore = await startRuleSetDraft(database, { fromVersion: 1, actor });
    expect(
      await publishRuleSetDraft(database, {
        ruleSetId: restore.id,
        rules: defaultRules,
        actor,
      }),
    ).toEqual({ ok: true, version: restore.version });
    expect((await getPublishedRuleSet(database))!.rules).toEqual(defaultRules);
  });
});
