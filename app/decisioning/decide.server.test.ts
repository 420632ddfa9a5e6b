import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import {
  adverseActionNotices,
  applications,
  auditLogs,
  consents,
  customers,
  decisions,
  manualReviews,
  merchants,
  offers,
  serviceJobs,
} from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import { startFakeExperian, type FakeExperian } from "~/adapters/experian/fake-server";
import { createLiveExperian } from "~/adapters/experian/live";
import { createSandboxExperian, sandboxCases } from "~/adapters/experian/sandbox";
import type { CreditBureau } from "~/adapters/experian/types";
import { consentTexts, consentTextHash } from "~/app/borrower/consent-texts";
import { FieldCipher } from "~/app/security/encryption.server";
import {
  AdverseActionReasonError,
  insertReviewDeclineNotice,
  loadAdverseActionNotice,
} from "./adverse-action.server";
import { decide, DecisionPreconditionError, type DecideOptions } from "./decide.server";
import { defaultRules } from "./default-rules";
import { buildSnapshot, evaluate, type DecisionSnapshot } from "./engine";
import { replayAll, replayDecision } from "./replay.server";
import { getPricingByVersion } from "./pricing-rules.server";
import { createRuleSetDraft, getRuleSetByVersion, publishRuleSet } from "./rule-sets.server";
import { ensureDecisioningDefaults } from "./seed.server";
import { fixtureDate, healthyBank } from "./testing";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const cipher = new FieldCipher([{ id: "test", key: randomBytes(32) }]);
const sandbox = createSandboxExperian({ now: () => fixtureDate });
const options: DecideOptions = { bureau: sandbox, cipher, now: () => fixtureDate };
let merchantId = "";
let promoMerchantId = "";

beforeAll(async () => {
  database = await createTestDatabase();
  await ensureDecisioningDefaults(database);
  merchantId = newId("mer");
  promoMerchantId = newId("mer");
  await database.write(async (tx) => {
    await tx.insert(merchants).values([
      { id: merchantId, name: "Acme Pest Control", slug: `acme-${merchantId}` },
      {
        id: promoMerchantId,
        name: "Promo Plumbing",
        slug: `promo-${promoMerchantId}`,
        pricingPlan: "promo_0apr_12",
      },
    ]);
  });
});
afterAll(() => database.destroy());

type ApplicantOptions = {
  ssnLast4?: string;
  amountCents?: number;
  monthlyIncomeCents?: number | null;
  bankSummary?: Record<string, unknown> | null;
  kycStatus?: string | null;
  consent?: boolean;
  merchant?: string;
};

async function application(o: ApplicantOptions = {}) {
  const customerId = newId("cus");
  const jobId = newId("job");
  const applicationId = newId("app");
  const ssn = `66612${o.ssnLast4 ?? "7800"}`;
  await database.write(async (tx) => {
    const merchant = o.merchant ?? merchantId;
    await tx.insert(customers).values({
      id: customerId,
      merchantId: merchant,
      crmCustomerId: customerId,
      firstName: "Dana",
      lastName: "Rivera",
      phone: "+15125550100",
      addressLine1: "12 Elm St",
      city: "Austin",
      state: "TX",
      postalCode: "78701",
      ssnEnc: cipher.encrypt(ssn, "customers.ssn"),
      ssnLast4: ssn.slice(-4),
    });
    await tx.insert(serviceJobs).values({
      id: jobId,
      merchantId: merchant,
      customerId,
      crmJobId: jobId,
      estimateCents: 800_000,
    });
    await tx.insert(applications).values({
      id: applicationId,
      merchantId: merchant,
      customerId,
      serviceJobId: jobId,
      crm: "fieldroutes",
      status: "submitted",
      amountCents: o.amountCents ?? 800_000,
      monthlyIncomeCents: o.monthlyIncomeCents === undefined ? 600_000 : o.monthlyIncomeCents,
      housingCostCents: 150_000,
      bankSummary: o.bankSummary === undefined ? healthyBank : o.bankSummary,
      kycStatus: o.kycStatus === undefined ? "approved" : o.kycStatus,
      submittedAt: fixtureDate,
    });
    if (o.consent !== false) {
      await tx.insert(consents).values({
        id: newId("con"),
        applicationId,
        kind: "credit_pull",
        textVersion: consentTexts.credit_pull.version,
        textSha256: await consentTextHash("credit_pull"),
        acceptedAt: fixtureDate,
        ip: "203.0.113.9",
        userAgent: "test",
      });
    }
  });
  return applicationId;
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { cause?: Error };
  }
  throw new Error("expected a rejection");
}

const sqliteMessage = (error: Error & { cause?: Error }) =>
  `${error.message} ${error.cause?.message ?? ""}`;

const expected: Record<string, { status: string; reason: string }> = {
  "0000": { status: "declined", reason: "bankruptcy" },
  "1111": { status: "manual_review", reason: "thin_file" },
  "2222": { status: "declined", reason: "credit_score_below_floor" },
  "3333": { status: "manual_review", reason: "no_credit_score" },
  "4444": { status: "declined", reason: "bankruptcy" },
  "6200": { status: "manual_review", reason: "low_credit_score" },
  "7800": { status: "approved", reason: "" },
  "8888": { status: "manual_review", reason: "high_debt_to_income" },
  "9997": { status: "manual_review", reason: "bureau_error" },
  "9998": { status: "manual_review", reason: "bureau_unavailable" },
  "9999": { status: "manual_review", reason: "bureau_unavailable" },
};

describe("each sandbox bureau case reaches its documented outcome", () => {
  it("covers every documented case", () => {
    expect(Object.keys(expected).sort()).toEqual(sandboxCases.map((c) => c.ssnLast4).sort());
  });

  it.each(sandboxCases.map((c) => [c.ssnLast4, c.outcome] as const))(
    "SSN …%s → %s",
    async (last4) => {
      const id = await application({ ssnLast4: last4 });
      const outcome = await decide(database, id, options);
      const want = expected[last4]!;
      expect(outcome.status).toBe(want.status);
      const app = await database.db.query.applications.findFirst({
        where: eq(applications.id, id),
      });
      expect(app).toMatchObject({ status: want.status, decidedAt: fixtureDate });
      const decision = await database.db.query.decisions.findFirst({
        where: eq(decisions.id, outcome.decisionId),
      });
      const snapshot = decision!.snapshot as unknown as DecisionSnapshot;
      if (want.status === "declined") {
        expect(snapshot.result.declineReasons[0]).toBe(want.reason);
        const notice = await database.db.query.adverseActionNotices.findFirst({
          where: eq(adverseActionNotices.applicationId, id),
        });
        expect(notice!.reasons.length).toBeGreaterThan(0);
        expect(notice!.reasons.length).toBeLessThanOrEqual(4);
        expect(notice!.creditScoreDisclosure).toMatchObject({ bureau: { name: "Experian" } });
      }
      if (want.status === "manual_review") {
        const review = await database.db.query.manualReviews.findFirst({
          where: eq(manualReviews.applicationId, id),
        });
        expect(review).toMatchObject({
          reason: want.reason,
          status: "pending",
          decisionId: outcome.decisionId,
        });
        if (want.reason.startsWith("bureau_")) expect(review!.priority).toBe(1);
      }
      if (want.status === "approved") expect(outcome.offerIds).toHaveLength(3);
    },
  );
});

describe("what a decision writes", () => {
  it("an approval: the snapshot, the versions, the offers as priced, the status, an audit record", async () => {
    const id = await application({ ssnLast4: "7800" });
    const outcome = await decide(database, id, options);
    expect(outcome).toMatchObject({
      status: "approved",
      tier: "A",
      score: 432,
      manualReviewId: null,
      adverseActionNoticeId: null,
    });
    const decision = (await database.db.query.decisions.findFirst({
      where: eq(decisions.id, outcome.decisionId),
    }))!;
    expect(decision).toMatchObject({
      ruleSetVersion: 1,
      pricingVersion: 1,
      engineVersion: "1.1.0",
      tier: "A",
      score: 432,
    });
    const snapshot = decision.snapshot as unknown as DecisionSnapshot;
    expect(snapshot.inputs.credit.status).toBe("ok");
    expect(snapshot.result.ruleResults).toHaveLength(defaultRules.length);
    expect(snapshot.result.score.parts).toEqual({
      credit: "312",
      income: "90",
      bank: "20",
      kyc: "10",
    });
    // Evidence, but not the SSN.
    expect(JSON.stringify(snapshot)).not.toContain("666127800");

    const rows = await database.db.query.offers.findMany({
      where: eq(offers.decisionId, decision.id),
    });
    expect(rows).toHaveLength(3);
    for (const offer of snapshot.result.offers) {
      const row = rows.find((r) => r.termMonths === offer.termMonths)!;
      expect(row).toMatchObject({
        noteRate: offer.noteRate,
        apr: offer.apr,
        monthlyPaymentCents: offer.paymentCents,
        lastPaymentCents: offer.lastPaymentCents,
        totalOfPaymentsCents: offer.totalOfPaymentsCents,
        financeChargeCents: offer.financeChargeCents,
        amountFinancedCents: 800_000,
        tier: "A",
        disbursementCents: 776_000,
        promotional: false,
      });
      expect(row.schedule).toHaveLength(offer.termMonths);
      expect(row.disclosure).toMatchObject({ annualPercentageRate: offer.apr });
    }
    const audit = await database.db.query.auditLogs.findFirst({
      where: and(eq(auditLogs.entityId, id), eq(auditLogs.action, "application.decided")),
    });
    expect(audit!.details).toMatchObject({
      decisionId: decision.id,
      status: "approved",
      ruleSetVersion: 1,
    });
  });

  it("a promotional merchant plan adds the 0 % offer", async () => {
    const id = await application({ ssnLast4: "7800", merchant: promoMerchantId });
    const outcome = await decide(database, id, options);
    const rows = await database.db.query.offers.findMany({
      where: eq(offers.decisionId, outcome.decisionId),
    });
    const promo = rows.find((row) => row.promotional)!;
    expect(promo).toMatchObject({ apr: "0.000", financeChargeCents: 0, merchantFeeCents: 72_000 });
  });

  it("deciding again returns the same decision without pulling credit again", async () => {
    const id = await application({ ssnLast4: "1234" });
    let pulls = 0;
    const counting: CreditBureau = {
      ...sandbox,
      pullSoft: (request) => (pulls++, sandbox.pullSoft(request)),
    };
    const first = await decide(database, id, { ...options, bureau: counting });
    const [second, third] = await Promise.all([
      decide(database, id, { ...options, bureau: counting }),
      decide(database, id, { ...options, bureau: counting }),
    ]);
    expect(second).toMatchObject({ decisionId: first.decisionId, alreadyDecided: true });
    expect(third.decisionId).toBe(first.decisionId);
    expect(pulls).toBe(1);
  });

  it("two concurrent first decisions store one", async () => {
    const id = await application({ ssnLast4: "1234" });
    const [a, b] = await Promise.all([
      decide(database, id, options),
      decide(database, id, options),
    ]);
    expect(a.decisionId).toBe(b.decisionId);
    expect(await database.db.$count(decisions, eq(decisions.applicationId, id))).toBe(1);
  });

  it("no credit pull without the borrower's authorization", async () => {
    const id = await application({ consent: false });
    let pulls = 0;
    const counting: CreditBureau = {
      ...sandbox,
      pullSoft: (request) => (pulls++, sandbox.pullSoft(request)),
    };
    const error = await rejection(decide(database, id, { ...options, bureau: counting }));
    expect(error).toBeInstanceOf(DecisionPreconditionError);
    expect(error.message).toMatch(/credit-pull authorization/);
    expect(pulls).toBe(0);
    expect(
      (await database.db.query.applications.findFirst({ where: eq(applications.id, id) }))!.status,
    ).toBe("submitted");
  });

  it("no bank link or no stated income: manual review, bank health 0", async () => {
    const noBank = await decide(database, await application({ bankSummary: null }), options);
    expect(noBank.status).toBe("manual_review");
    const snapshot = (await database.db.query.decisions.findFirst({
      where: eq(decisions.id, noBank.decisionId),
    }))!.snapshot as unknown as DecisionSnapshot;
    expect(snapshot.result.score.bankHealth.value).toBe("0.0000");
    expect(snapshot.result.reviewReasons).toEqual(["no_bank_data"]);
    const noIncome = await decide(
      database,
      await application({ monthlyIncomeCents: null }),
      options,
    );
    const review = await database.db.query.manualReviews.findFirst({
      where: eq(manualReviews.decisionId, noIncome.decisionId),
    });
    expect(review!.reason).toBe("missing_income");
  });
});

describe("the borrower's adverse action notice", () => {
  it("is stored with the decline and renders with the reasons and the credit-score block", async () => {
    const id = await application({ ssnLast4: "2222" });
    await decide(database, id, options);
    const notice = await loadAdverseActionNotice(database, id);
    expect(notice!.view.sections.map((section) => section.heading)).toEqual([
      "Action taken",
      "Principal reasons for our decision",
      "Your credit score and the consumer reporting agency",
      "Creditor",
      "Your rights",
    ]);
    expect(notice!.text).toContain("Dear Dana Rivera");
    expect(notice!.text).toContain("financing of $8,000.00 for services from Acme Pest Control");
    expect(notice!.text).toContain("1. Level of delinquency on accounts");
    expect(notice!.text).toContain("Your credit score: 540");
    expect(
      await loadAdverseActionNotice(database, await application({ ssnLast4: "7800" })),
    ).toBeNull();
  });
});

describe("a decline after manual review", () => {
  it("gets a notice too, with the underwriter's reasons and the credit-score block", async () => {
    const id = await application({ ssnLast4: "1111" });
    const outcome = await decide(database, id, options);
    expect(outcome.status).toBe("manual_review");
    const refused = await rejection(
      database.write((tx) =>
        insertReviewDeclineNotice(tx, {
          decisionId: outcome.decisionId,
          reasonCodes: ["thin_file"],
        }),
      ),
    );
    expect(refused).toBeInstanceOf(AdverseActionReasonError);
    await database.write((tx) =>
      insertReviewDeclineNotice(tx, {
        decisionId: outcome.decisionId,
        reasonCodes: ["limited_credit_experience"],
      }),
    );
    const notice = await loadAdverseActionNotice(database, id);
    expect(notice!.text).toContain("1. Limited credit experience");
    expect(notice!.text).toContain("Your credit score: 705");
  });
});

describe("a live bureau that is down", () => {
  const experianCredentials = { clientId: "c", clientSecret: "s", username: "u", password: "p" };
  let fake: FakeExperian;
  let live: CreditBureau;
  beforeAll(async () => {
    fake = await startFakeExperian({
      credentials: experianCredentials,
      companyId: "FP",
      now: () => fixtureDate,
    });
    live = createLiveExperian({
      baseUrl: fake.url,
      credentials: experianCredentials,
      companyId: "FP",
      subscriberCode: "999",
      retries: 2,
      minRetryDelayMs: 1,
      maxRetryDelayMs: 5,
      timeoutMs: 2_000,
      now: () => fixtureDate,
    });
  });
  afterAll(() => fake.close());

  it("sends the application to manual review with a clear reason, not an error", async () => {
    const id = await application({ ssnLast4: "7800" });
    fake.failNext(3, 503);
    const outcome = await decide(database, id, { ...options, bureau: live });
    expect(outcome.status).toBe("manual_review");
    const review = await database.db.query.manualReviews.findFirst({
      where: eq(manualReviews.applicationId, id),
    });
    expect(review).toMatchObject({ reason: "bureau_unavailable", priority: 1 });
    const snapshot = (await database.db.query.decisions.findFirst({
      where: eq(decisions.id, outcome.decisionId),
    }))!.snapshot as unknown as DecisionSnapshot;
    expect(snapshot.inputs.credit).toMatchObject({
      status: "unavailable",
      reasonCode: "bureau_unavailable",
    });
    expect(JSON.stringify(snapshot.inputs.credit)).toContain("HTTP 503");
  });

  it("and decides normally once it answers (after a transient 503)", async () => {
    const id = await application({ ssnLast4: "7800" });
    fake.failNext(1, 503);
    expect((await decide(database, id, { ...options, bureau: live })).status).toBe("approved");
  });
});

describe("decisions are immutable", () => {
  it("the database refuses to change or delete a decision, its offers' terms or its notice", async () => {
    const approved = await decide(database, await application({ ssnLast4: "7800" }), options);
    const declined = await decide(database, await application({ ssnLast4: "0000" }), options);
    const offerId = approved.offerIds[0]!;
    const attempts = [
      sql`UPDATE decisions SET status = 'declined' WHERE id = ${approved.decisionId}`,
      sql`DELETE FROM decisions WHERE id = ${approved.decisionId}`,
      sql`UPDATE offers SET apr = '1.000' WHERE id = ${offerId}`,
      sql`DELETE FROM offers WHERE id = ${offerId}`,
      sql`UPDATE adverse_action_notices SET reasons = '[]' WHERE id = ${declined.adverseActionNoticeId}`,
      sql`DELETE FROM adverse_action_notices WHERE id = ${declined.adverseActionNoticeId}`,
    ];
    for (const statement of attempts) {
      const error = await rejection(database.serialized(() => database.db.run(statement)));
      expect(sqliteMessage(error)).toMatch(/immutable/);
    }
    // What may change: the borrower's choice, and the notice's sending time — once.
    await database.serialized(() =>
      database.db.run(sql`UPDATE offers SET selected_at = 1 WHERE id = ${offerId}`),
    );
    await database.serialized(() =>
      database.db.run(
        sql`UPDATE adverse_action_notices SET sent_at = 1 WHERE id = ${declined.adverseActionNoticeId}`,
      ),
    );
    const again = await rejection(
      database.serialized(() =>
        database.db.run(
          sql`UPDATE adverse_action_notices SET sent_at = 2 WHERE id = ${declined.adverseActionNoticeId}`,
        ),
      ),
    );
    expect(sqliteMessage(again)).toMatch(/immutable/);
  });
});

describe("replay", () => {
  it("a decision replays against the versions it used, even after new ones are published", async () => {
    const before = await decide(database, await application({ ssnLast4: "6000" }), options);
    expect(before.status).toBe("manual_review"); // 600 < 650
    const draft = await createRuleSetDraft(database, {
      rules: defaultRules.map((rule) =>
        rule.key === "credit_score_floor" ? { ...rule, value: 610 } : rule,
      ),
    });
    await publishRuleSet(database, draft.id);
    const after = await decide(database, await application({ ssnLast4: "6000" }), options);
    expect(after.status).toBe("declined"); // the new floor
    expect(
      (await database.db.query.decisions.findFirst({ where: eq(decisions.id, after.decisionId) }))!
        .ruleSetVersion,
    ).toBe(2);
    const replayed = await replayDecision(database, before.decisionId);
    expect(replayed).toMatchObject({ identical: true, differences: [] });
    expect(JSON.parse(replayed.replayed).result.status).toBe("manual_review");
  });

  it("an engine 1.0.0 decision with a promotion replays with 1.0.0's offer set (ADR 034)", async () => {
    const made = await decide(
      database,
      await application({ ssnLast4: "7800", merchant: promoMerchantId }),
      options,
    );
    const row = (await database.db.query.decisions.findFirst({
      where: eq(decisions.id, made.decisionId),
    }))!;
    const current = row.snapshot as unknown as DecisionSnapshot;
    expect(current.result.offers.map((o) => `${o.kind}:${o.termMonths}`)).toEqual([
      "promotional:12",
      "standard:24",
      "standard:36",
    ]);
    // What engine 1.0.0 stored for the same inputs and versions.
    const [ruleSet, pricing] = await Promise.all([
      getRuleSetByVersion(database, current.ruleSet.version),
      getPricingByVersion(database, current.pricing.version),
    ]);
    const oldResult = evaluate(current.inputs, ruleSet!, pricing!, { engineVersion: "1.0.0" });
    const oldSnapshot = {
      ...buildSnapshot(current.inputs, ruleSet!, pricing!, oldResult),
      engineVersion: "1.0.0",
    };
    const oldId = newId("dec");
    await database.write((tx) =>
      tx.insert(decisions).values({
        ...row,
        id: oldId,
        engineVersion: "1.0.0",
        snapshot: JSON.parse(JSON.stringify(oldSnapshot)) as Record<string, unknown>,
      }),
    );
    const replayed = await replayDecision(database, oldId);
    expect(replayed).toMatchObject({
      identical: true,
      differences: [],
      engineVersionChanged: true,
    });
    expect(
      (JSON.parse(replayed.replayed) as DecisionSnapshot).result.offers.map(
        (o) => `${o.kind}:${o.termMonths}`,
      ),
    ).toEqual(["promotional:12", "standard:12", "standard:24"]);
  });

  // Keep last: replays every decision this file made (every sandbox case included).
  it("reproduces every decision this suite made, byte for byte", async () => {
    const results = await replayAll(database);
    expect(results.length).toBeGreaterThanOrEqual(sandboxCases.length + 10);
    for (const result of results) {
      expect(result.differences, result.decisionId).toEqual([]);
      expect(result.identical).toBe(true);
    }
  });
});
