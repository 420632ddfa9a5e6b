import { appDatabase } from "~/scripts/testing/app-harness";
import { runJobsInFreshProcess, runPendingJobs } from "~/scripts/testing/borrower-harness";
import { callOps, signedInOperator } from "~/scripts/testing/ops-harness";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { sandboxEmails } from "~/adapters/email/index";
import { newId } from "~/db/ids";
import {
  adverseActionNotices,
  applications,
  auditLogs,
  decisions,
  documents,
  manualReviews,
  messages,
  offers,
  operators,
} from "~/db/schema/index";
import { currentOffers } from "~/app/borrower/offers.server";
import { notifyDecision } from "~/app/borrower/notifications.server";
import type { DecisionSnapshot } from "~/app/decisioning/engine";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import * as reviewRoute from "~/app/routes/ops.reviews.$reviewId";
import { healthyBank } from "~/app/decisioning/testing";
import { insertMerchant } from "./applications-fixtures";
import {
  optionalDollarsField,
  queueOrder,
  ReviewInputError,
  slaTimer,
  storedOfferKey,
  termKey,
  type ApproveForm,
  type UnderwriterSnapshot,
} from "./reviews";
import { parseApproveForm, parseDeclineForm } from "./reviews-forms.server";
import { loadApplicationDetail } from "./applications.server";
import { decidedApplication } from "./reviews-fixtures";
import { formatDuration } from "./dashboard";
import {
  approveReview,
  assignReview,
  declineReview,
  listQueue,
  loadReviewPage,
  approveDeclineProposal,
  ReviewStateError,
  settleDeclineProposal,
  type DeclineOutcome,
} from "./reviews.server";

const client = { ip: "203.0.113.7", userAgent: "vitest" };

describe("queue order and SLA timers (pure)", () => {
  const at = (h: number) => new Date(Date.UTC(2026, 11, 7, h));
  const sla = { normalHours: 24, highHours: 4 };
  const item = (id: string, priority: number, createdAt: Date, amountCents = 100_000) => ({
    id,
    priority,
    createdAt,
    amountCents,
  });

  it("the earliest due first; the larger amount at the same due time; a page at most", () => {
    const ordered = queueOrder(
      [
        item("mr_normal_old", 2, at(0)), // due at 24:00
        item("mr_high_new", 1, at(10)), // due at 14:00
        item("mr_high_late", 1, at(22)), // due at 26:00
        item("mr_normal_big", 2, at(0), 900_000), // due at 24:00, more at stake
      ],
      sla,
      3,
    );
    expect(ordered.map((i) => i.id)).toEqual(["mr_high_new", "mr_normal_big", "mr_normal_old"]);
    expect(ordered[0]!.dueAt).toEqual(at(14));
  });

  it("the timer: overdue or due in whole minutes", () => {
    expect(slaTimer(at(14), at(16), formatDuration)).toEqual({
      overdue: true,
      text: "Overdue by 2 h",
    });
    expect(slaTimer(new Date(at(14).getTime() + 90_000), at(14), formatDuration)).toEqual({
      overdue: false,
      text: "Due in 1 min",
    });
  });
});

describe("resolution forms", () => {
  const form = (entries: [string, string][]) => {
    const f = new FormData();
    for (const [k, v] of entries) f.append(k, v);
    return f;
  };

  it("dollars to cents, exactly", () => {
    expect(optionalDollarsField("500")).toBe(50_000);
    expect(optionalDollarsField("$1,250.5")).toBe(125_050);
    expect(optionalDollarsField("0.07")).toBe(7);
    expect(optionalDollarsField("  ")).toBeNull();
    for (const bad of ["-5", "1.234", "abc", "1e3", "12.", "1,2,3.4.5"]) {
      expect(() => optionalDollarsField(bad), bad).toThrow(ReviewInputError);
    }
  });

  it("approve: offers, notes, and a down payment only with offers priced again", () => {
    const ok = parseApproveForm(
      form([
        ["offer", "offer:off_01kb2c3d4e5f6g7h8j9k0m1n2p"],
        ["notes", "Verified employment by phone"],
        ["conditionNote", "Proof of income on file"],
      ]),
    );
    expect(ok).toEqual({
      ok: true,
      value: {
        offerKeys: ["offer:off_01kb2c3d4e5f6g7h8j9k0m1n2p"],
        pricing: null,
        conditionNote: "Proof of income on file",
        // The underwriter's words become an "other" funding condition the borrower must meet.
        conditions: [{ kind: "other", description: "Proof of income on file" }],
        notes: "Verified employment by phone",
      },
    });
    const repriced = parseApproveForm(
      form([
        ["offer", "term:standard:24"],
        ["tier", "B"],
        ["downPayment", "500"],
        ["notes", "Down payment agreed"],
      ]),
    );
    expect(repriced.ok && repriced.value.pricing).toEqual({ tier: "B", downPaymentCents: 50_000 });

    const none = parseApproveForm(form([["notes", "ok"]]));
    expect(none.ok).toBe(false);
    expect(!none.ok && none.errors).toEqual({
      offer: "Choose at least one offer to extend",
      notes: "Write a note for the file (at least 5 characters)",
    });
    // A stored offer with a down payment would finance the wrong amount: refused.
    const mixed = parseApproveForm(
      form([
        ["offer", "offer:off_01kb2c3d4e5f6g7h8j9k0m1n2p"],
        ["downPayment", "500"],
        ["notes", "notes here"],
      ]),
    );
    expect(!mixed.ok && mixed.errors.offer).toMatch(/price them again/);
    expect(
      parseApproveForm(
        form([
          ["offer", "off_x; DROP"],
          ["notes", "notes here"],
        ]),
      ).ok,
    ).toBe(false);
  });

  it("decline: one to four distinct reasons from the catalogue, in order", () => {
    const ok = parseDeclineForm(
      form([
        ["reason1", "income_not_verified"],
        ["reason2", ""],
        ["reason3", "limited_credit_experience"],
        ["notes", "Could not verify income"],
      ]),
    );
    expect(ok.ok && ok.value.reasonCodes).toEqual([
      "income_not_verified",
      "limited_credit_experience",
    ]);
    expect(parseDeclineForm(form([["notes", "x".repeat(10)]])).ok).toBe(false);
    const twice = parseDeclineForm(
      form([
        ["reason1", "bankruptcy"],
        ["reason2", "bankruptcy"],
        ["notes", "x".repeat(10)],
      ]),
    );
    expect(!twice.ok && twice.errors.reason1).toBe("Give each reason once");
    // Review reasons have no consumer wording: never a principal reason of a notice.
    expect(
      parseDeclineForm(
        form([
          ["reason1", "thin_file"],
          ["notes", "x".repeat(10)],
        ]),
      ).ok,
    ).toBe(false);
  });
});

describe("manual review resolution (real database, decide() with the sandbox bureau)", () => {
  let database: Awaited<ReturnType<typeof appDatabase>>;
  let merchantId = "";
  let underwriter = "";
  let other = "";

  beforeAll(async () => {
    database = await appDatabase();
    await ensureDecisioningDefaults(database);
    merchantId = await insertMerchant(database, "Acme Pest Control");
    underwriter = newId("op");
    other = newId("op");
    await database.write((tx) =>
      tx.insert(operators).values([
        {
          id: underwriter,
          email: `uw.${underwriter}@flowpay.test`,
          name: "Uma Underwriter",
          role: "underwriter",
          passwordHash: "x",
        },
        {
          id: other,
          email: `uw.${other}@flowpay.test`,
          name: "Otto Other",
          role: "underwriter",
          passwordHash: "x",
        },
      ]),
    );
  });

  /** An application decided by the engine; SSN …1111 → manual review (thin file). */
  async function inReview(
    ssnLast4 = "1111",
    email: string | null = "dana@example.com",
    bank: typeof healthyBank | null = healthyBank,
  ) {
    const outcome = await decidedApplication(database, { merchantId, ssnLast4, email, bank });
    expect(outcome.status).toBe("manual_review");
    return { ...outcome, reviewId: outcome.reviewId! };
  }

  /** The outcome of a decline that went through at once (its reasons were all supported). */
  const declined = (outcome: DeclineOutcome) => {
    if (outcome.kind !== "declined") throw new Error(`Expected a decline, got ${outcome.kind}`);
    return outcome;
  };

  const form = (over: Partial<ApproveForm> & Pick<ApproveForm, "offerKeys">): ApproveForm => ({
    pricing: null,
    conditionNote: null,
    conditions: [],
    notes: "Verified employment by phone",
    ...over,
  });

  const storedKeys = async (decisionId: string) =>
    (
      await database.db
        .select({ id: offers.id })
        .from(offers)
        .where(eq(offers.decisionId, decisionId))
    ).map((o) => storedOfferKey(o.id));

  const countRows = async (
    table: "decisions" | "messages" | "adverse_action_notices",
    applicationId: string,
  ) =>
    Number(
      (await database.db.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM ${sql.raw(table)} WHERE application_id = ${applicationId}`,
      ))!.n,
    );

  const noticeJobKind = "deliver-adverse-action-notice";

  /** The application's notice-delivery jobs, oldest first. */
  const noticeJobs = (applicationId: string) =>
    database.db.all<{ id: number; state: string; key: string | null }>(
      sql`SELECT id, state, key FROM outbox
          WHERE kind = ${noticeJobKind} AND json_extract(payload, '$.applicationId') = ${applicationId}
          ORDER BY id`,
    );

  const noticeDocuments = (applicationId: string) =>
    database.db
      .select({ kind: documents.kind })
      .from(documents)
      .where(eq(documents.applicationId, applicationId));

  const noticeRow = (noticeId: string) =>
    database.db.query.adverseActionNotices.findFirst({
      where: eq(adverseActionNotices.id, noticeId),
    });

  const templates = async (applicationId: string) =>
    (
      await database.db
        .select({ template: messages.template })
        .from(messages)
        .where(eq(messages.applicationId, applicationId))
    )
      .map((m) => m.template)
      .sort();

  const crmSyncEvents = async (applicationId: string) =>
    (
      await database.db.all<{ payload: string }>(
        sql`SELECT payload FROM outbox WHERE kind = 'sync-to-crm' AND instr(payload, ${`"${applicationId}"`}) > 0`,
      )
    ).map((row) => (JSON.parse(row.payload) as { event: string }).event);

  it("the queue lists open reviews, high priority first, then the oldest", async () => {
    const normal = await inReview("1111");
    const urgent = await inReview("9998"); // bureau unavailable → priority 1
    const { items } = await listQueue(database);
    const mine = items.filter((i) => [normal.reviewId, urgent.reviewId].includes(i.id));
    expect(mine.map((i) => i.id)).toEqual([urgent.reviewId, normal.reviewId]);
    expect(mine[0]).toMatchObject({ priority: 1, status: "pending", customerName: "Dana Rivera" });
  });

  it("the queue's SLA: a normal review past its due time comes before a fresh high-priority one", async () => {
    const old = await inReview("1111");
    const urgent = await inReview("9998");
    // Entered the queue 30 hours ago: past a 24 h SLA, due before a 4 h one that starts now.
    await database.write((tx) =>
      tx
        .update(manualReviews)
        .set({ createdAt: new Date(Date.now() - 30 * 3_600_000) })
        .where(eq(manualReviews.id, old.reviewId)),
    );
    const { items } = await listQueue(database, 100, { normalHours: 24, highHours: 4 });
    const mine = items.filter((i) => [old.reviewId, urgent.reviewId].includes(i.id));
    expect(mine.map((i) => i.id)).toEqual([old.reviewId, urgent.reviewId]);
    const timer = slaTimer(mine[0]!.dueAt, new Date(), formatDuration);
    expect(timer).toEqual({ overdue: true, text: "Overdue by 6 h" });
    expect(slaTimer(mine[1]!.dueAt, new Date(), formatDuration).text).toMatch(
      /^Due in 3 h 5\d min$/,
    );
  });

  it("approve: a new decision by the underwriter with offers the borrower can sign; text, e-mail, audit", async () => {
    const { applicationId, reviewId, decisionId } = await inReview();
    const engineOffers = await currentOffers(database, applicationId);
    expect(engineOffers).toEqual([]); // a manual_review decision's offers are not the borrower's
    await assignReview(database, { reviewId, operatorId: underwriter, client });
    const keys = await storedKeys(decisionId);
    expect(keys.length).toBeGreaterThanOrEqual(2);

    const result = await approveReview(database, {
      reviewId,
      operatorId: underwriter,
      form: form({ offerKeys: keys }),
      client,
    });

    const app = await database.db.query.applications.findFirst({
      where: eq(applications.id, applicationId),
    });
    expect(app!.status).toBe("approved");
    const decision = await database.db.query.decisions.findFirst({
      where: eq(decisions.id, result.decisionId),
    });
    expect(decision).toMatchObject({ status: "approved", decidedBy: underwriter, applicationId });
    const snapshot = decision!.snapshot as unknown as UnderwriterSnapshot;
    expect(snapshot).toMatchObject({
      kind: "underwriter",
      basedOnDecisionId: decisionId,
      manualReviewId: reviewId,
      resolution: "approved",
      notes: "Verified employment by phone",
      repriced: null,
    });
    // The engine's decision is untouched (and cannot be changed).
    const engine = await database.db.query.decisions.findFirst({
      where: eq(decisions.id, decisionId),
    });
    expect(engine!.status).toBe("manual_review");
    expect(engine!.decidedBy).toBeNull();

    // What the borrower sees at their link: the new decision's offers, same terms as the engine's.
    const visible = await currentOffers(database, applicationId);
    expect(visible.map((o) => o.id).sort()).toEqual([...result.offerIds].sort());
    const engineRows = await database.db
      .select()
      .from(offers)
      .where(eq(offers.decisionId, decisionId));
    expect(visible.map((o) => [o.termMonths, o.apr, o.monthlyPaymentCents]).sort()).toEqual(
      engineRows.map((o) => [o.termMonths, o.apr, o.monthlyPaymentCents]).sort(),
    );
    expect(visible[0]!.disclosure.annualPercentageRate).toMatch(/^\d+\.\d+$/);

    const review = await database.db.query.manualReviews.findFirst({
      where: eq(manualReviews.id, reviewId),
    });
    expect(review).toMatchObject({
      status: "resolved",
      resolution: "approved",
      resolvedBy: underwriter,
    });

    const sent = await database.db
      .select({ channel: messages.channel, template: messages.template })
      .from(messages)
      .where(eq(messages.applicationId, applicationId));
    expect(sent).toEqual(
      expect.arrayContaining([
        { channel: "sms", template: "decision_ready" },
        { channel: "email", template: "decision_approved" },
      ]),
    );
    const smsBefore = await countRows("messages", applicationId);
    // notifyDecision (the engine path's notifier) recognises the text as already sent.
    await notifyDecision(database, applicationId, result.decisionId);
    expect(await countRows("messages", applicationId)).toBe(smsBefore);

    // Each message has its delivery job, enqueued in the same transaction.
    const messageIds = await database.db
      .select({ id: messages.id })
      .from(messages)
      .where(eq(messages.applicationId, applicationId));
    for (const { id } of messageIds) {
      const job = await database.db.get<{ kind: string }>(
        sql`SELECT kind FROM outbox WHERE instr(payload, ${`"${id}"`}) > 0`,
      );
      expect(job?.kind).toMatch(/^send-(sms|email)$/);
    }
    // The CRM hears of the approval like after an automatic one.
    expect(await crmSyncEvents(applicationId)).toContain("approved");
    const audits = await database.db
      .select({ action: auditLogs.action, actorId: auditLogs.actorId, details: auditLogs.details })
      .from(auditLogs)
      .where(
        sql`(${auditLogs.entityType} = 'application' AND ${auditLogs.entityId} = ${applicationId}) OR (${auditLogs.entityType} = 'manual_review' AND ${auditLogs.entityId} = ${reviewId})`,
      );
    expect(audits.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "manual_review.assign",
        "manual_review.resolve",
        "application.decided",
      ]),
    );
    const decided = audits.find(
      (a) => a.action === "application.decided" && a.actorId === underwriter,
    );
    expect(decided!.details).toMatchObject({ status: "approved", decisionId: result.decisionId });

    // The application file shows both decisions and one merged timeline.
    const file = await loadApplicationDetail(database, applicationId);
    expect(file!.decisions.map((d) => [d.status, d.decidedBy])).toEqual([
      ["approved", "Uma Underwriter"],
      ["manual_review", null],
    ]);
    expect(file!.decisions[0]!.underwriter).toMatchObject({
      basedOnDecisionId: decisionId,
      notes: "Verified employment by phone",
    });
    expect(file!.decisions[0]!.offers).toHaveLength(result.offerIds.length);
    const engineView = file!.decisions[1]!;
    expect(engineView.score!.parts).toHaveLength(4);
    expect(engineView.rules.find((r) => r.key === "thin_file")).toMatchObject({ fired: true });
    expect(engineView.reviewReasons.map((r) => r.code)).toContain("thin_file");
    const sources = new Set(file!.timeline.map((e) => e.source));
    for (const source of ["application", "audit", "message", "job", "decision"] as const) {
      expect(sources, source).toContain(source);
    }
    const times = file!.timeline.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const titles = file!.timeline.map((e) => e.title).join("\n");
    expect(titles).toMatch(/Text “decision ready”: queued/);
    expect(titles).toMatch(/Job send-sms #\d+: pending/);
    expect(titles).toMatch(/manual_review\.resolve — Uma Underwriter/);
    // Message bodies never reach the file.
    expect(JSON.stringify(file)).not.toContain("good news");
  });

  it("cannot resolve twice, and nothing more is written", async () => {
    const { applicationId, reviewId, decisionId } = await inReview();
    await assignReview(database, { reviewId, operatorId: underwriter, client });
    const keys = await storedKeys(decisionId);
    await approveReview(database, {
      reviewId,
      operatorId: underwriter,
      form: form({ offerKeys: keys }),
      client,
    });
    const decisionsBefore = await countRows("decisions", applicationId);
    await expect(
      approveReview(database, {
        reviewId,
        operatorId: underwriter,
        form: form({ offerKeys: keys }),
        client,
      }),
    ).rejects.toThrow(ReviewStateError);
    await expect(
      declineReview(database, {
        reviewId,
        operatorId: underwriter,
        form: {
          reasonCodes: ["income_not_verified"],
          notes: "second thoughts",
          justification: null,
        },
        client,
      }),
    ).rejects.toThrow(/already resolved/);
    await expect(assignReview(database, { reviewId, operatorId: other, client })).rejects.toThrow(
      ReviewStateError,
    );
    expect(await countRows("decisions", applicationId)).toBe(decisionsBefore);
  });

  it("cannot resolve an application that is no longer in manual review (e.g. canceled by the CRM)", async () => {
    const { applicationId, reviewId, decisionId } = await inReview();
    await assignReview(database, { reviewId, operatorId: underwriter, client });
    await database.write((tx) =>
      tx.update(applications).set({ status: "canceled" }).where(eq(applications.id, applicationId)),
    );
    await expect(
      approveReview(database, {
        reviewId,
        operatorId: underwriter,
        form: form({ offerKeys: await storedKeys(decisionId) }),
        client,
      }),
    ).rejects.toThrow(/no longer in manual review/);
    expect(await countRows("decisions", applicationId)).toBe(1);
    const review = await database.db.query.manualReviews.findFirst({
      where: eq(manualReviews.id, reviewId),
    });
    expect(review!.status).toBe("assigned");
  });

  it("only the assignee resolves; assigning takes the review over (audited)", async () => {
    const { reviewId, decisionId } = await inReview();
    const keys = await storedKeys(decisionId);
    await expect(
      approveReview(database, {
        reviewId,
        operatorId: underwriter,
        form: form({ offerKeys: keys }),
        client,
      }),
    ).rejects.toThrow(/Assign the review to yourself/);
    await assignReview(database, { reviewId, operatorId: other, client });
    await expect(
      approveReview(database, {
        reviewId,
        operatorId: underwriter,
        form: form({ offerKeys: keys }),
        client,
      }),
    ).rejects.toThrow(ReviewStateError);
    await assignReview(database, { reviewId, operatorId: underwriter, client });
    const review = await database.db.query.manualReviews.findFirst({
      where: eq(manualReviews.id, reviewId),
    });
    expect(review).toMatchObject({ status: "assigned", assignedTo: underwriter });
    const takeover = await database.db
      .select({ details: auditLogs.details })
      .from(auditLogs)
      .where(
        and(
          eq(auditLogs.action, "manual_review.assign"),
          eq(auditLogs.entityId, reviewId),
          eq(auditLogs.actorId, underwriter),
        ),
      );
    expect(takeover[0]!.details).toMatchObject({ previousAssignee: other });
  });

  it("a chosen subset of the offers is what the borrower gets", async () => {
    const { applicationId, reviewId, decisionId } = await inReview();
    await assignReview(database, { reviewId, operatorId: underwriter, client });
    const [first] = await storedKeys(decisionId);
    const result = await approveReview(database, {
      reviewId,
      operatorId: underwriter,
      form: form({ offerKeys: [first!] }),
      client,
    });
    expect(result.offerIds).toHaveLength(1);
    expect((await currentOffers(database, applicationId)).map((o) => o.id)).toEqual(
      result.offerIds,
    );
    // An offer of another review's decision is refused.
    const elsewhere = await inReview();
    await assignReview(database, { reviewId: elsewhere.reviewId, operatorId: underwriter, client });
    await expect(
      approveReview(database, {
        reviewId: elsewhere.reviewId,
        operatorId: underwriter,
        form: form({ offerKeys: [first!] }),
        client,
      }),
    ).rejects.toThrow(/does not belong to this review/);
  });

  it("a down payment prices the offers again for the amount less the down payment (cents)", async () => {
    const { applicationId, reviewId } = await inReview();
    await assignReview(database, { reviewId, operatorId: underwriter, client });
    const page = await loadReviewPage(database, reviewId, new URLSearchParams("downPayment=1,000"));
    expect(page!.source).toBe("repriced");
    expect(page!.candidates.length).toBeGreaterThan(0);
    expect(page!.candidates.every((c) => c.amountFinancedCents === 700_000)).toBe(true);
    const result = await approveReview(database, {
      reviewId,
      operatorId: underwriter,
      form: form({
        offerKeys: page!.candidates.map((c) => c.key),
        pricing: { tier: null, downPaymentCents: 100_000 },
        conditionNote: "Proof of address",
      }),
      client,
    });
    const visible = await currentOffers(database, applicationId);
    expect(visible).toHaveLength(result.offerIds.length);
    expect(visible.every((o) => o.disclosure.amountFinancedCents === 700_000)).toBe(true);
    const review = await database.db.query.manualReviews.findFirst({
      where: eq(manualReviews.id, reviewId),
    });
    expect(review!.conditions).toEqual({
      downPaymentCents: 100_000,
      note: "Proof of address",
      items: [],
    });
    const decision = await database.db.query.decisions.findFirst({
      where: eq(decisions.id, result.decisionId),
    });
    expect((decision!.snapshot as unknown as UnderwriterSnapshot).repriced).toEqual({
      tier: page!.candidates[0]!.tier,
      amountCents: 700_000,
    });
  });

  it("bureau down: no offers to choose, so the underwriter prices the application in a tier", async () => {
    const { applicationId, reviewId, decisionId } = await inReview("9998");
    const engine = await database.db.query.decisions.findFirst({
      where: eq(decisions.id, decisionId),
    });
    expect((engine!.snapshot as unknown as DecisionSnapshot).result.offers).toEqual([]);
    await assignReview(database, { reviewId, operatorId: underwriter, client });

    const plain = await loadReviewPage(database, reviewId, new URLSearchParams());
    expect(plain!.source).toBe("none");
    expect(plain!.candidates).toEqual([]);
    const noTier = await approveReview(database, {
      reviewId,
      operatorId: underwriter,
      form: form({ offerKeys: ["term:standard:24"], pricing: { tier: null, downPaymentCents: 0 } }),
      client,
    }).catch((e: unknown) => e);
    expect(noTier).toBeInstanceOf(ReviewInputError);

    const page = await loadReviewPage(database, reviewId, new URLSearchParams("tier=B"));
    expect(page!.priceError).toBeNull();
    expect(page!.candidates.map((c) => c.key)).toEqual(
      expect.arrayContaining([termKey({ kind: "standard", termMonths: 24 })]),
    );
    const result = await approveReview(database, {
      reviewId,
      operatorId: underwriter,
      form: form({
        offerKeys: page!.candidates.map((c) => c.key),
        pricing: { tier: "B", downPaymentCents: 0 },
      }),
      client,
    });
    const visible = await currentOffers(database, applicationId);
    expect(visible.map((o) => o.id).sort()).toEqual([...result.offerIds].sort());
    const rows = await database.db
      .select()
      .from(offers)
      .where(eq(offers.decisionId, result.decisionId));
    expect(rows.every((o) => o.tier === "B")).toBe(true);
    const decision = await database.db.query.decisions.findFirst({
      where: eq(decisions.id, result.decisionId),
    });
    expect(decision).toMatchObject({ status: "approved", tier: "B", decidedBy: underwriter });
  });

  it("decline: a new declined decision, the adverse action notice with the reasons in order, the text and the notice e-mail", async () => {
    const email = "dana.declined@example.com";
    // No bank link: "unable to verify income" is a finding of the review, so it is supported.
    const { applicationId, reviewId } = await inReview("1111", email, null);
    await assignReview(database, { reviewId, operatorId: underwriter, client });
    const result = declined(
      await declineReview(database, {
        reviewId,
        operatorId: underwriter,
        form: {
          reasonCodes: ["income_not_verified", "limited_credit_experience"],
          notes: "Pay stubs did not match",
          justification: null,
        },
        client,
      }),
    );
    const app = await database.db.query.applications.findFirst({
      where: eq(applications.id, applicationId),
    });
    expect(app!.status).toBe("declined");
    const decision = await database.db.query.decisions.findFirst({
      where: eq(decisions.id, result.decisionId),
    });
    expect(decision).toMatchObject({ status: "declined", decidedBy: underwriter });
    const notice = await database.db.query.adverseActionNotices.findFirst({
      where: eq(adverseActionNotices.id, result.noticeId!),
    });
    expect(notice!.decisionId).toBe(result.decisionId);
    expect(notice!.reasons).toEqual([
      { code: "income_not_verified", text: "Unable to verify income" },
      { code: "limited_credit_experience", text: "Limited credit experience" },
    ]);
    // The bureau was used: the notice carries the credit score disclosure of that report.
    expect(notice!.creditScoreDisclosure).toMatchObject({ score: 705 });
    expect(await currentOffers(database, applicationId)).toEqual([]);
    expect(await crmSyncEvents(applicationId)).toContain("declined");

    // The notice's delivery is a job committed with the decline; nothing is rendered or sent yet.
    expect(await noticeJobs(applicationId)).toEqual([
      { id: expect.any(Number), state: "pending", key: `${noticeJobKind}:${applicationId}` },
    ]);
    expect(notice!.sentAt).toBeNull();
    expect(await noticeDocuments(applicationId)).toEqual([]);
    expect(await templates(applicationId)).toEqual(["decision_ready"]);

    // The job: the PDF kept in documents, sent_at, and the e-mail carrying it.
    await runPendingJobs(noticeJobKind);
    expect(await noticeDocuments(applicationId)).toEqual([{ kind: "adverse_action_notice" }]);
    expect(await templates(applicationId)).toEqual(["adverse_action_notice", "decision_ready"]);
    const sentAt = (await noticeRow(result.noticeId!))!.sentAt;
    expect(sentAt).toBeInstanceOf(Date);

    // Run twice (at-least-once delivery): nothing new, one e-mail.
    const [job] = await noticeJobs(applicationId);
    await database.serialized(() =>
      database.db.run(sql`UPDATE outbox SET state = 'pending' WHERE id = ${job!.id}`),
    );
    expect(await runPendingJobs(noticeJobKind)).toBeGreaterThanOrEqual(1);
    expect(await noticeDocuments(applicationId)).toHaveLength(1);
    expect(await templates(applicationId)).toEqual(["adverse_action_notice", "decision_ready"]);
    expect((await noticeRow(result.noticeId!))!.sentAt).toEqual(sentAt);
    await runPendingJobs("send-email");
    expect(sandboxEmails().filter((m) => m.to === email)).toHaveLength(1);
  });

  describe("decline reasons guarded by the decision's evidence (ADR 036)", () => {
    const bankruptcyForm = (justification: string | null) => ({
      reasonCodes: ["bankruptcy", "limited_credit_experience"],
      notes: "Applicant said so on the phone",
      justification,
    });

    it("an unsupported reason without a justification is refused; nothing is written", async () => {
      const { applicationId, reviewId } = await inReview("1111");
      await assignReview(database, { reviewId, operatorId: underwriter, client });
      const before = await countRows("decisions", applicationId);
      // …1111 is a thin file with no public record: "Bankruptcy" has no evidence.
      await expect(
        declineReview(database, {
          reviewId,
          operatorId: underwriter,
          form: bankruptcyForm(null),
          client,
        }),
      ).rejects.toThrow(/does not support Bankruptcy on the credit report/);
      expect(await countRows("decisions", applicationId)).toBe(before);
      expect(await countRows("adverse_action_notices", applicationId)).toBe(0);
      const app = await database.db.query.applications.findFirst({
        where: eq(applications.id, applicationId),
      });
      expect(app!.status).toBe("manual_review");
    });

    it("with a justification it waits for a second operator; the author cannot approve it; another operator's approval declines with exactly those reasons", async () => {
      const { applicationId, reviewId } = await inReview("1111");
      await assignReview(database, { reviewId, operatorId: underwriter, client });
      const outcome = await declineReview(database, {
        reviewId,
        operatorId: underwriter,
        form: bankruptcyForm("Chapter 7 discharge shown on the court record the applicant sent"),
        client,
      });
      expect(outcome).toMatchObject({
        kind: "awaiting_second_approval",
        unsupported: ["bankruptcy"],
      });
      if (outcome.kind !== "awaiting_second_approval") throw new Error("not pending");
      // Still in review, no decline, no notice.
      let app = await database.db.query.applications.findFirst({
        where: eq(applications.id, applicationId),
      });
      expect(app!.status).toBe("manual_review");
      expect(await countRows("adverse_action_notices", applicationId)).toBe(0);
      // While it waits, the review cannot be resolved otherwise.
      const page = await loadReviewPage(database, reviewId, new URLSearchParams());
      await expect(
        approveReview(database, {
          reviewId,
          operatorId: underwriter,
          form: form({ offerKeys: page!.candidates.map((c) => c.key) }),
          client,
        }),
      ).rejects.toThrow(/waiting for a second operator/);

      // The author's own approval is refused.
      await expect(
        approveDeclineProposal(database, {
          proposalId: outcome.proposalId,
          operatorId: underwriter,
          client,
        }),
      ).rejects.toThrow(/another operator must approve/);
      app = await database.db.query.applications.findFirst({
        where: eq(applications.id, applicationId),
      });
      expect(app!.status).toBe("manual_review");

      // A second operator approves: declined, decided by the author, notice with those reasons.
      const result = await approveDeclineProposal(database, {
        proposalId: outcome.proposalId,
        operatorId: other,
        client,
      });
      app = await database.db.query.applications.findFirst({
        where: eq(applications.id, applicationId),
      });
      expect(app!.status).toBe("declined");
      const decision = await database.db.query.decisions.findFirst({
        where: eq(decisions.id, result.decisionId),
      });
      expect(decision).toMatchObject({ status: "declined", decidedBy: underwriter });
      expect(decision!.snapshot).toMatchObject({
        declineReasons: ["bankruptcy", "limited_credit_experience"],
        unsupportedReasons: ["bankruptcy"],
        secondApproval: { approvedBy: other },
      });
      const notice = await database.db.query.adverseActionNotices.findFirst({
        where: eq(adverseActionNotices.id, result.noticeId!),
      });
      expect(notice!.reasons.map((r) => r.code)).toEqual([
        "bankruptcy",
        "limited_credit_experience",
      ]);
      // Approved once: a second approval finds it settled.
      await expect(
        approveDeclineProposal(database, {
          proposalId: outcome.proposalId,
          operatorId: other,
          client,
        }),
      ).rejects.toThrow(/already approved/);
      const audits = await database.db.all<{ action: string; actor_id: string }>(
        sql`SELECT action, actor_id FROM audit_logs WHERE action LIKE 'decline_proposal.%' AND entity_id = ${reviewId} ORDER BY id`,
      );
      expect(audits).toEqual([
        { action: "decline_proposal.create", actor_id: underwriter },
        { action: "decline_proposal.approve", actor_id: other },
      ]);
    });

    it("only its author withdraws a waiting decline; the review can then be resolved", async () => {
      const { reviewId } = await inReview("1111");
      await assignReview(database, { reviewId, operatorId: underwriter, client });
      const outcome = await declineReview(database, {
        reviewId,
        operatorId: underwriter,
        form: bankruptcyForm("The applicant mentioned a bankruptcy filed last month"),
        client,
      });
      if (outcome.kind !== "awaiting_second_approval") throw new Error("not pending");
      const settle = (operatorId: string) =>
        settleDeclineProposal(database, {
          proposalId: outcome.proposalId,
          operatorId,
          action: "withdraw",
          note: null,
          client,
        });
      await expect(settle(other)).rejects.toThrow(/Only the author/);
      await settle(underwriter);
      await expect(settle(underwriter)).rejects.toThrow(/already withdrawn/);
      const page = await loadReviewPage(database, reviewId, new URLSearchParams());
      const approved = await approveReview(database, {
        reviewId,
        operatorId: underwriter,
        form: form({ offerKeys: page!.candidates.map((c) => c.key) }),
        client,
      });
      expect(approved.decisionId).toMatch(/^dec_/);
    });

    it("a refused proposal leaves the review open for a supported decline", async () => {
      const { applicationId, reviewId } = await inReview("1111");
      await assignReview(database, { reviewId, operatorId: underwriter, client });
      const outcome = await declineReview(database, {
        reviewId,
        operatorId: underwriter,
        form: bankruptcyForm("The applicant mentioned a bankruptcy filed last month"),
        client,
      });
      if (outcome.kind !== "awaiting_second_approval") throw new Error("not pending");
      await expect(
        settleDeclineProposal(database, {
          proposalId: outcome.proposalId,
          operatorId: underwriter,
          action: "reject",
          note: "no",
          client,
        }),
      ).rejects.toThrow(/Withdraw your own/);
      await settleDeclineProposal(database, {
        proposalId: outcome.proposalId,
        operatorId: other,
        action: "reject",
        note: "Not on the report; a conversation is no evidence",
        client,
      });
      const supported = declined(
        await declineReview(database, {
          reviewId,
          operatorId: underwriter,
          form: {
            reasonCodes: ["limited_credit_experience"],
            notes: "Thin file",
            justification: null,
          },
          client,
        }),
      );
      const notice = await database.db.query.adverseActionNotices.findFirst({
        where: eq(adverseActionNotices.id, supported.noticeId!),
      });
      expect(notice!.reasons.map((r) => r.code)).toEqual(["limited_credit_experience"]);
      expect(await countRows("decisions", applicationId)).toBe(2);
    });
  });

  it("decline rolled back: no notice and no delivery job; the retry commits both", async () => {
    const { applicationId, reviewId } = await inReview("1111", "dana@example.com", null);
    await assignReview(database, { reviewId, operatorId: underwriter, client });
    const decline = async () =>
      declined(
        await declineReview(database, {
          reviewId,
          operatorId: underwriter,
          form: {
            reasonCodes: ["income_not_verified"],
            notes: "Pay stubs did not match",
            justification: null,
          },
          client,
        }),
      );
    // The decision text is among the last writes of the decline's transaction, after the notice
    // and its job: make it fail.
    await database.serialized(() =>
      database.client.execute(
        `CREATE TRIGGER fail_decision_text BEFORE INSERT ON messages
         WHEN NEW.template = 'decision_ready' AND NEW.application_id = '${applicationId}'
         BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`,
      ),
    );
    try {
      const failed = await decline().catch((error: unknown) => error);
      expect(String((failed as Error).cause)).toContain("simulated failure");
    } finally {
      await database.serialized(() => database.client.execute("DROP TRIGGER fail_decision_text"));
    }
    expect(await noticeJobs(applicationId)).toEqual([]);
    const notices = await database.db
      .select()
      .from(adverseActionNotices)
      .where(eq(adverseActionNotices.applicationId, applicationId));
    expect(notices).toEqual([]);
    const app = await database.db.query.applications.findFirst({
      where: eq(applications.id, applicationId),
    });
    expect(app!.status).toBe("manual_review");

    const result = await decline();
    expect(result.noticeId).not.toBeNull();
    expect(await noticeJobs(applicationId)).toEqual([
      expect.objectContaining({ state: "pending" }),
    ]);
  });

  it("the review screen: supported reasons listed with their evidence; an unsupported one needs a justification and another operator", async () => {
    const { applicationId, reviewId } = await inReview("1111");
    const author = await signedInOperator("underwriter");
    const second = await signedInOperator("underwriter");
    await assignReview(database, { reviewId, operatorId: author.id, client });
    const path = `/ops/reviews/${reviewId}`;
    const post = (cookie: string, form: Record<string, string>) =>
      callOps(reviewRoute, { path, params: { reviewId }, cookie, form });

    const page = (await callOps(reviewRoute, {
      path,
      params: { reviewId },
      cookie: author.cookie,
    })) as {
      supportedReasons: { code: string; evidence: string[] }[];
      otherReasons: { code: string }[];
    };
    expect(page.supportedReasons.map((r) => r.code)).toContain("limited_credit_experience");
    expect(
      page.supportedReasons.find((r) => r.code === "limited_credit_experience")!.evidence,
    ).not.toEqual([]);
    expect(page.otherReasons.map((r) => r.code)).toContain("bankruptcy");

    const decline = { intent: "decline", reason1: "bankruptcy", notes: "Told us on the phone" };
    const refused = (await post(author.cookie, decline)) as { formError: string };
    expect(refused.formError).toMatch(/evidence does not support/);
    const proposed = (await post(author.cookie, {
      ...decline,
      justification: "Chapter 7 filed last week, court record attached to the file",
    })) as Response;
    expect(proposed.status).toBe(302);
    const waiting = (await callOps(reviewRoute, {
      path,
      params: { reviewId },
      cookie: second.cookie,
    })) as {
      proposal: { id: string; mine: boolean; reasons: { code: string; supported: boolean }[] };
    };
    expect(waiting.proposal).toMatchObject({
      mine: false,
      reasons: [{ code: "bankruptcy", supported: false }],
    });
    const own = (await post(author.cookie, {
      intent: "approve-proposal",
      proposalId: waiting.proposal.id,
    })) as { formError: string };
    expect(own.formError).toMatch(/another operator must approve/);
    const approved = (await post(second.cookie, {
      intent: "approve-proposal",
      proposalId: waiting.proposal.id,
    })) as Response;
    expect(approved.status).toBe(302);
    const app = await database.db.query.applications.findFirst({
      where: eq(applications.id, applicationId),
    });
    expect(app!.status).toBe("declined");
    const notice = await database.db.query.adverseActionNotices.findFirst({
      where: eq(adverseActionNotices.applicationId, applicationId),
    });
    expect(notice!.reasons).toEqual([{ code: "bankruptcy", text: "Bankruptcy" }]);
  });

  it("crash after the decline commits: a restarted process delivers the notice, once", async () => {
    const email = "dana.crash@example.com";
    const { applicationId, reviewId } = await inReview("1111", email);
    const operator = await signedInOperator("underwriter");
    await assignReview(database, { reviewId, operatorId: operator.id, client });
    // The review screen's decline: committed, and the redirect back to the review.
    const response = await callOps(reviewRoute, {
      path: `/ops/reviews/${reviewId}`,
      params: { reviewId },
      cookie: operator.cookie,
      form: {
        intent: "decline",
        reason1: "limited_credit_experience",
        notes: "Too thin a file for this amount",
      },
    });
    expect(response).toBeInstanceOf(Response);
    expect((response as Response).status).toBe(302);
    expect((response as Response).headers.get("location")).toBe(`/ops/reviews/${reviewId}`);
    const notice = await database.db.query.adverseActionNotices.findFirst({
      where: eq(adverseActionNotices.applicationId, applicationId),
    });
    // The process dies here: the route did nothing after the commit, and nothing in this process
    // runs the job. (Before ADR 016 the route delivered the notice only now, so a crash lost it.)
    expect(notice!.sentAt).toBeNull();
    expect(await noticeDocuments(applicationId)).toEqual([]);
    const [job] = await noticeJobs(applicationId);
    expect(job).toMatchObject({ state: "pending" });

    await runJobsInFreshProcess([noticeJobKind]);
    expect(await noticeJobs(applicationId)).toEqual([
      expect.objectContaining({ id: job!.id, state: "completed" }),
    ]);
    expect((await noticeRow(notice!.id))!.sentAt).toBeInstanceOf(Date);
    expect(await noticeDocuments(applicationId)).toEqual([{ kind: "adverse_action_notice" }]);
    expect(await templates(applicationId)).toEqual(["adverse_action_notice", "decision_ready"]);

    // Another restart finds nothing to do; the e-mail goes out once.
    await runJobsInFreshProcess([noticeJobKind]);
    await runPendingJobs("send-email");
    const sent = sandboxEmails().filter((m) => m.to === email);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain("Limited credit experience");
    expect(await noticeDocuments(applicationId)).toHaveLength(1);
  });
});
