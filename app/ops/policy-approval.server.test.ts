import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { auditLogs, decisions, operators, outbox, policyBacktests } from "~/db/schema/index";
import type { createTestDatabase } from "~/db/testing";
import { defaultPricingTable } from "~/app/decisioning/default-pricing";
import { buildSnapshot, evaluate } from "~/app/decisioning/engine";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import { getPublishedRuleSet } from "~/app/decisioning/rule-sets.server";
import { applicantInputs } from "~/app/decisioning/testing";
import {
  approvePolicyDraft,
  diffOf,
  loadPolicyPair,
  pendingSubmission,
  PolicyApprovalError,
  submitPolicyDraft,
} from "./policy-approval.server";
import { latestBacktest, requestBacktest, runBacktest } from "./policy-backtest.server";
import { discardPricingDraft, savePricingDraft, startPricingDraft } from "./pricing.server";
import {
  discardRuleSetDraft,
  loadRuleSets,
  saveRuleSetDraft,
  startRuleSetDraft,
  type OperatorActor,
} from "./rules.server";
import { insertApplication, insertMerchant } from "./applications-fixtures";
import { analystDatabase } from "./testing";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let author: OperatorActor;
let reviewer: OperatorActor;
let reviewerId: string;

beforeAll(async () => {
  ({ database, actor: author } = await analystDatabase({
    email: "ana@flowpay.test",
    name: "Ana Author",
    ip: "192.0.2.20",
  }));
  reviewerId = newId("op");
  await database.write((tx) =>
    tx.insert(operators).values({
      id: reviewerId,
      email: "rita@flowpay.test",
      name: "Rita Reviewer",
      role: "risk_analyst",
      passwordHash: "unused",
    }),
  );
  reviewer = { actorType: "operator", actorId: reviewerId, ip: "192.0.2.21", userAgent: "vitest" };
});
afterAll(() => database.destroy());
beforeEach(async () => {
  const sets = await loadRuleSets(database);
  if (sets.draft) await discardRuleSetDraft(database, { ruleSetId: sets.draft.id, actor: author });
  const pair = await loadPolicyPair(database.db, "pricing");
  if (pair.draft) await discardPricingDraft(database, { pricingId: pair.draft.id, actor: author });
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => {
      if (!(error instanceof PolicyApprovalError)) throw error;
      return { status: error.status, message: error.message };
    },
  );

/** A rules draft that raises the live income floor by $500 a month. */
async function incomeDraft() {
  const live = (await getPublishedRuleSet(database))!;
  const draft = await startRuleSetDraft(database, { fromVersion: live.version, actor: author });
  const floor = live.rules.find((rule) => rule.key === "income_floor")!.value as number;
  const rules = live.rules.map((rule) =>
    rule.key === "income_floor" ? { ...rule, value: floor + 50_000 } : rule,
  );
  await saveRuleSetDraft(database, { ruleSetId: draft.id, rules, notes: "", actor: author });
  return { draft, rules, live };
}

const auditOf = (action: string) =>
  database.db.select().from(auditLogs).where(eq(auditLogs.action, action));

describe("four-eyes rule sets", () => {
  it("the author submits, cannot approve their own draft, a second operator approves and it is published", async () => {
    const { draft, live } = await incomeDraft();
    expect(await submitPolicyDraft(database, { kind: "rules", actor: author })).toEqual({
      ok: true,
      version: draft.version,
    });
    const refused = await refusal(approvePolicyDraft(database, { kind: "rules", actor: author }));
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/another operator .* must approve it/);
    expect((await getPublishedRuleSet(database))!.version).toBe(live.version);

    const approved = await approvePolicyDraft(database, { kind: "rules", actor: reviewer });
    expect(approved).toEqual({ version: draft.version, submittedBy: "Ana Author" });
    const published = (await getPublishedRuleSet(database))!;
    expect(published.version).toBe(draft.version);
    // The default floor is $1,500: this first draft makes it $2,000.
    expect(published.rules.find((r) => r.key === "income_floor")!.value).toBe(200_000);
    const sets = await loadRuleSets(database);
    expect(sets.published).toMatchObject({ publishedBy: "Rita Reviewer", createdBy: "Ana Author" });
    expect((await auditOf("rule_set.submitted_for_approval")).at(-1)).toMatchObject({
      actorId: author.actorId,
      entityId: draft.id,
    });
    expect((await auditOf("rule_set.approved")).at(-1)).toMatchObject({
      actorId: reviewerId,
      entityId: draft.id,
      details: { version: draft.version, submitted_by: author.actorId, changes: 1 },
    });
    expect((await auditOf("rule_set.published")).at(-1)).toMatchObject({ actorId: reviewerId });
  });

  it("shows the change against the live version with the amounts", async () => {
    await incomeDraft(); // the live floor is $2,000 since the first test
    const diff = diffOf("rules", await loadPolicyPair(database.db, "rules"))!;
    expect(diff.kind === "rules" && diff.rules.changed).toEqual([
      expect.objectContaining({
        key: "income_floor",
        what: ["value"],
        before: expect.objectContaining({
          condition: "application.monthlyIncomeCents lt $2,000.00",
        }),
        after: expect.objectContaining({
          condition: "application.monthlyIncomeCents lt $2,500.00",
        }),
      }),
    ]);
  });

  it("an unchanged draft can be neither submitted nor approved", async () => {
    const live = (await getPublishedRuleSet(database))!;
    await startRuleSetDraft(database, { fromVersion: live.version, actor: author });
    const refused = await refusal(submitPolicyDraft(database, { kind: "rules", actor: author }));
    expect(refused).toEqual({
      status: 422,
      message: expect.stringMatching(/identical to the live version/),
    });
    expect(await refusal(approvePolicyDraft(database, { kind: "rules", actor: reviewer }))).toEqual(
      {
        status: 409,
        message: expect.stringMatching(/has not been submitted/),
      },
    );
  });

  it("a draft edited after its submission must be submitted again", async () => {
    const { draft, rules } = await incomeDraft();
    await submitPolicyDraft(database, { kind: "rules", actor: author });
    const edited = rules.map((r) =>
      r.key === "income_floor" ? { ...r, value: (r.value as number) + 1 } : r,
    );
    await saveRuleSetDraft(database, {
      ruleSetId: draft.id,
      rules: edited,
      notes: "",
      actor: author,
    });
    const pair = await loadPolicyPair(database.db, "rules");
    expect((await pendingSubmission(database.db, "rules", pair.draft))!.stale).toBe(true);
    expect(await refusal(approvePolicyDraft(database, { kind: "rules", actor: reviewer }))).toEqual(
      {
        status: 409,
        message: expect.stringMatching(/changed after it was submitted/),
      },
    );
  });

  it("an invalid draft is not submitted: its problems are returned", async () => {
    const live = (await getPublishedRuleSet(database))!;
    const draft = await startRuleSetDraft(database, { fromVersion: live.version, actor: author });
    const rules = [...live.rules, { ...live.rules[0]!, key: "broken", field: "no.such.field" }];
    await saveRuleSetDraft(database, { ruleSetId: draft.id, rules, notes: "", actor: author });
    const outcome = await submitPolicyDraft(database, { kind: "rules", actor: author });
    expect(outcome.ok).toBe(false);
  });
});

describe("four-eyes pricing", () => {
  it("the same flow for a pricing table, with the changed rate in the diff", async () => {
    const live = (await getPublishedPricing(database))!;
    const draft = await startPricingDraft(database, { fromVersion: live.version, actor: author });
    const table = structuredClone(defaultPricingTable);
    table.tiers[0]!.terms[2]!.noteRate = "9.490";
    await savePricingDraft(database, { pricingId: draft.id, table, notes: "", actor: author });
    const diff = diffOf("pricing", await loadPolicyPair(database.db, "pricing"))!;
    expect(diff.kind === "pricing" && diff.pricing).toEqual([
      {
        path: "tiers · tier A · terms · 36 months · noteRate",
        before: "9.990 %",
        after: "9.490 %",
      },
    ]);
    await submitPolicyDraft(database, { kind: "pricing", actor: author });
    expect(
      (await refusal(approvePolicyDraft(database, { kind: "pricing", actor: author }))).status,
    ).toBe(403);
    await approvePolicyDraft(database, { kind: "pricing", actor: reviewer });
    expect((await getPublishedPricing(database))!.version).toBe(draft.version);
  });
});

describe("back-tests stored for the page", () => {
  let merchantId = "";
  /** n engine decisions of the live versions, as decide() stores them, `daysAgo` old. */
  async function decided(ssnLast4: string, n: number, daysAgo: number) {
    const ruleSet = (await getPublishedRuleSet(database))!;
    const pricing = (await getPublishedPricing(database))!;
    if (!merchantId) merchantId = await insertMerchant(database);
    const decidedAt = new Date(Date.now() - daysAgo * 86_400_000);
    for (let i = 0; i < n; i++) {
      const { id: applicationId } = await insertApplication(database, {
        merchantId,
        status: "submitted",
      });
      await database.write(async (tx) => {
        const inputs = applicantInputs(ssnLast4, { application: { id: applicationId } });
        const result = evaluate(inputs, ruleSet, pricing);
        const snapshot = buildSnapshot(inputs, ruleSet, pricing, result);
        await tx.insert(decisions).values({
          id: newId("dec"),
          applicationId,
          status: result.status,
          score: result.score.total,
          tier: result.tier,
          ruleSetVersion: ruleSet.version,
          pricingVersion: pricing.version,
          engineVersion: snapshot.engineVersion,
          snapshot: snapshot as unknown as Record<string, unknown>,
          decidedAt,
        });
      });
    }
  }

  it("a small window runs at once; the figures and the changed applications are stored", async () => {
    await decided("7800", 3, 2);
    await decided("6200", 2, 3);
    await decided("6200", 4, 40); // outside a 30-day window
    const live = (await getPublishedRuleSet(database))!;
    const draft = await startRuleSetDraft(database, { fromVersion: live.version, actor: author });
    const rules = live.rules.map((rule) =>
      rule.key === "credit_score_review" ? { ...rule, value: 600 } : rule,
    );
    await saveRuleSetDraft(database, { ruleSetId: draft.id, rules, notes: "", actor: author });

    const run = await requestBacktest(database, { kind: "rules", days: 30, actor: author });
    expect(run.queued).toBe(false);
    const pair = await loadPolicyPair(database.db, "rules");
    const view = (await latestBacktest(database, "rules", pair.draft))!;
    expect(view).toMatchObject({
      status: "done",
      processed: 5,
      total: 5,
      percent: 100,
      stale: false,
    });
    expect(view.result!.before).toMatchObject({
      decisions: 5,
      approved: 3,
      review: 2,
      approvalRate: "60.0",
    });
    expect(view.result!.after).toMatchObject({
      approved: 5,
      review: 0,
      approvalRate: "100.0",
      fundedVolumeCents: 4_000_000,
    });
    expect(view.result!.changes).toHaveLength(2);
    expect(
      view.result!.changes.every(
        (c) => c.before.status === "manual_review" && c.after.status === "approved",
      ),
    ).toBe(true);

    // Editing the draft makes the back-test stale.
    await saveRuleSetDraft(database, {
      ruleSetId: draft.id,
      rules: live.rules,
      notes: "",
      actor: author,
    });
    const after = await loadPolicyPair(database.db, "rules");
    expect((await latestBacktest(database, "rules", after.draft))!.stale).toBe(true);
  });

  it("a big window is queued as a job, with progress stored", async () => {
    const live = (await getPublishedRuleSet(database))!;
    const draft = await startRuleSetDraft(database, { fromVersion: live.version, actor: author });
    const rules = live.rules.map((rule) =>
      rule.key === "credit_score_review" ? { ...rule, value: 600 } : rule,
    );
    await saveRuleSetDraft(database, { ruleSetId: draft.id, rules, notes: "", actor: author });
    await decided("6200", 2, 1);
    const run = await requestBacktest(database, {
      kind: "rules",
      days: 30,
      actor: author,
      inlineLimit: 6,
    });
    expect(run.queued).toBe(true);
    const job = await database.db.query.outbox.findFirst({
      where: eq(outbox.kind, "backtest-policy"),
    });
    expect(JSON.parse(job!.payload)).toEqual({ backtestId: run.id });
    const pair = await loadPolicyPair(database.db, "rules");
    expect(await latestBacktest(database, "rules", pair.draft)).toMatchObject({
      status: "queued",
      processed: 0,
      total: 7,
      percent: 0,
    });
    // What the job's handler does.
    await runBacktest(database, run.id);
    const row = await database.db.query.policyBacktests.findFirst({
      where: eq(policyBacktests.id, run.id),
    });
    expect(row).toMatchObject({ status: "done", processed: 7 });
  });
});
