import { appDatabase } from "~/scripts/testing/app-harness";
import { parseWithZod } from "@conform-to/zod/v4";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import {
  adverseActionNotices,
  applications,
  counterOffers,
  decisions,
  infoRequests,
  manualReviews,
  messages,
  operators,
} from "~/db/schema/index";
import { currentOffers } from "~/app/borrower/offers.server";
import { prepareUpload } from "~/app/borrower/uploads.server";
import { markCounterOfferAccepted } from "~/app/decisioning/counter-offer.server";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import { insertMerchant } from "./applications-fixtures";
import { decidedApplication } from "./reviews-fixtures";
import { counterOfferProblem, outOfPocketCents } from "./counter-offer";
import {
  CounterOfferInputError,
  counterOfferSchema,
  CounterOfferStateError,
  counterOfferLapseDays,
  declineCounterOffer,
  lapseCounterOffer,
  makeCounterOffer,
  openCounterOffer,
} from "./counter-offer.server";
import { infoRequestDueAt, missingInAnswer } from "./info-requests";
import {
  answerInfoRequest,
  InfoAnswerError,
  infoFileContext,
  infoRequestSchema,
  listInfoRequests,
  loadInfoRequestPage,
  openInfoDocument,
  requestInformation,
  timeOutInfoRequest,
  withdrawInfoRequest,
} from "./info-requests.server";
import { assignReview, listQueue, ReviewStateError } from "./reviews.server";
import { listWaitingForBorrower } from "./waiting-reviews.server";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import * as counterOfferRoute from "~/app/routes/ops.reviews.$reviewId_.counter-offer";
import * as requestInfoRoute from "~/app/routes/ops.reviews.$reviewId_.request-info";

const client = { ip: "203.0.113.7", userAgent: "vitest" };

/** A submission's field errors (none on success). */
const errorsOf = (submission: object) =>
  "error" in submission ? (submission.error as Record<string, string[] | null> | null) : null;

const formData = (entries: [string, string][]) => {
  const f = new FormData();
  for (const [k, v] of entries) f.append(k, v);
  return f;
};

describe("the pure rules", () => {
  it("a counter-offer lowers the amount or changes the tier, never more than asked", () => {
    const base = { requestedAmountCents: 800_000, originalTier: "B" };
    expect(counterOfferProblem({ ...base, amountCents: 500_000, tier: "B" })).toBeNull();
    expect(counterOfferProblem({ ...base, amountCents: 800_000, tier: "C" })).toBeNull();
    expect(counterOfferProblem({ ...base, amountCents: 800_000, tier: "B" })?.message).toMatch(
      /Lower the amount or choose another tier/,
    );
    expect(counterOfferProblem({ ...base, amountCents: 800_001, tier: "C" })).toEqual({
      field: "amount",
      message: "A counter-offer finances at most the $8,000.00 asked for",
    });
    expect(counterOfferProblem({ ...base, amountCents: 0, tier: "C" })?.field).toBe("amount");
    expect(outOfPocketCents(800_000, 650_050)).toBe(149_950);
  });

  it("the underwriter's counter-offer form: dollars to exact cents, one reason is a list", () => {
    const ok = parseWithZod(
      formData([
        ["amount", "6,500.50"],
        ["tier", "C"],
        ["reasonCodes", "limited_credit_experience"],
        ["notes", "Thin file: a smaller loan"],
      ]),
      { schema: counterOfferSchema },
    );
    expect(ok.status).toBe("success");
    expect(ok.status === "success" && ok.value).toEqual({
      amount: 650_050,
      tier: "C",
      reasonCodes: ["limited_credit_experience"],
      notes: "Thin file: a smaller loan",
    });
    const bad = parseWithZod(
      formData([
        ["amount", "6.500,5"],
        ["tier", "c"],
      ]),
      { schema: counterOfferSchema },
    );
    expect(bad.status).toBe("error");
    expect(errorsOf(bad)).toMatchObject({
      amount: ["Enter an amount in dollars, like 5000 or 4,250.50"],
      tier: ["Choose a pricing tier"],
      reasonCodes: ["Give at least one reason the terms asked for are refused"],
      notes: ["Write a note for the file"],
    });
  });

  it("an information request asks for a document, a question or both, with a message", () => {
    const none = parseWithZod(formData([["message", "Please help us finish the review"]]), {
      schema: infoRequestSchema,
    });
    expect(errorsOf(none)).toEqual({ documentKind: ["Ask for a document, a question, or both"] });
    const doc = parseWithZod(
      formData([
        ["documentKind", "proof_of_income"],
        ["question", ""],
        ["message", "Please send a recent pay stub"],
      ]),
      { schema: infoRequestSchema },
    );
    expect(doc.status === "success" && doc.value).toEqual({
      documentKind: "proof_of_income",
      message: "Please send a recent pay stub",
    });
    const short = parseWithZod(
      formData([
        ["question", "Why?"],
        ["message", "short"],
      ]),
      {
        schema: infoRequestSchema,
      },
    );
    expect(Object.keys(errorsOf(short) ?? {}).sort()).toEqual(["message", "question"]);
  });

  it("the borrower's answer must carry what was asked", () => {
    const both = { question: "Who is your employer?", documentKind: "proof_of_income" };
    expect(missingInAnswer(both, { answer: " ", hasFile: false })).toEqual({
      answer: "Write your answer",
      document: "Choose a file to upload",
    });
    expect(missingInAnswer(both, { answer: "Acme", hasFile: true })).toEqual({});
    expect(
      missingInAnswer({ question: null, documentKind: "other" }, { answer: null, hasFile: true }),
    ).toEqual({});
    expect(infoRequestDueAt(new Date("2026-12-07T00:00:00Z"), 72).toISOString()).toBe(
      "2026-12-10T00:00:00.000Z",
    );
  });
});

describe("request information and counter-offer (real database, decide() with the sandbox bureau)", () => {
  let database: Awaited<ReturnType<typeof appDatabase>>;
  let merchantId = "";
  let underwriter = "";
  const pdf = { name: "pay stub.pdf", bytes: new TextEncoder().encode("%PDF-1.4\n% a pay stub\n") };

  beforeAll(async () => {
    database = await appDatabase();
    await ensureDecisioningDefaults(database);
    merchantId = await insertMerchant(database, "Acme Pest Control");
    underwriter = newId("op");
    await database.write((tx) =>
      tx.insert(operators).values({
        id: underwriter,
        email: `uw.${underwriter}@flowpay.test`,
        name: "Uma Underwriter",
        role: "underwriter",
        passwordHash: "x",
      }),
    );
  });

  /** An application the engine sent to review (SSN …1111: thin file), assigned to `operatorId`. */
  async function assignedReview(operatorId = underwriter) {
    const decided = await decidedApplication(database, { merchantId, ssnLast4: "1111" });
    expect(decided.status).toBe("manual_review");
    const reviewId = decided.reviewId!;
    await assignReview(database, { reviewId, operatorId, client });
    return { applicationId: decided.applicationId, customerId: decided.customerId, reviewId };
  }

  const reviewStatus = async (reviewId: string) =>
    (await database.db.query.manualReviews.findFirst({ where: eq(manualReviews.id, reviewId) }))!
      .status;
  const inQueue = async (reviewId: string) =>
    (await listQueue(database, 10_000)).items.some((i) => i.id === reviewId);
  const templates = async (applicationId: string) =>
    (
      await database.db
        .select({ template: messages.template, channel: messages.channel })
        .from(messages)
        .where(eq(messages.applicationId, applicationId))
    ).map((m) => `${m.channel}:${m.template}`);
  const auditActions = async (entityId: string) =>
    (
      await database.db.all<{ action: string }>(
        sql`SELECT action FROM audit_logs WHERE entity_id = ${entityId} ORDER BY id`,
      )
    ).map((r) => r.action);
  const tokenOf = (url: string) => url.split("/info/")[1]!;

  it("request → the review waits outside the queue → the borrower's document and answer put it back", async () => {
    const { applicationId, reviewId } = await assignedReview();
    expect(await inQueue(reviewId)).toBe(true);
    const sent = await requestInformation(database, {
      reviewId,
      operatorId: underwriter,
      form: {
        documentKind: "proof_of_income",
        question: "Who is your employer?",
        message: "Please send a recent pay stub and tell us where you work.",
      },
      client,
    });
    expect(await reviewStatus(reviewId)).toBe("waiting");
    expect(await inQueue(reviewId)).toBe(false);
    // Out of the queue, still in sight: the queue page's "Waiting for the borrower" list.
    const waitingNow = await listWaitingForBorrower(database);
    expect(waitingNow.items.find((item) => item.id === reviewId)).toMatchObject({
      dueAt: sent.dueAt,
    });
    expect((await templates(applicationId)).sort()).toContain("sms:info_requested");
    expect(await templates(applicationId)).toContain("email:info_requested");
    // The timer: one pending job at the due time, keyed by the request.
    const [timer] = await database.db.all<{ run_at: number }>(
      sql`SELECT run_at FROM outbox WHERE kind = 'info-request-timeout' AND state = 'pending'
          AND json_extract(payload, '$.requestId') = ${sent.requestId}`,
    );
    expect(timer?.run_at).toBe(sent.dueAt.getTime());
    // The link's token is stored only as its hash.
    const row = await database.db.query.infoRequests.findFirst({
      where: eq(infoRequests.id, sent.requestId),
    });
    expect(row!.tokenHash).not.toContain(tokenOf(sent.url));
    // A second request while one is open is refused.
    await expect(
      requestInformation(database, {
        reviewId,
        operatorId: underwriter,
        form: { question: "Anything else?", message: "One more question for you." },
        client,
      }),
    ).rejects.toThrow(ReviewStateError);

    const token = tokenOf(sent.url);
    const page = await loadInfoRequestPage(database, token);
    expect(page).toMatchObject({
      kind: "open",
      question: "Who is your employer?",
      document: expect.stringMatching(/pay stub/),
    });
    expect((await loadInfoRequestPage(database, "x".repeat(43))).kind).toBe("unknown");

    // Without the document nothing is written and the field says what is missing.
    const missing = await answerInfoRequest(database, {
      token,
      answer: "Acme Corp",
      upload: null,
      client,
    }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(InfoAnswerError);
    expect((missing as InfoAnswerError).errors).toEqual({ document: "Choose a file to upload" });
    expect(await reviewStatus(reviewId)).toBe("waiting");

    const prepared = prepareUpload(pdf, infoFileContext);
    if (!prepared.ok) throw new Error(prepared.error);
    await answerInfoRequest(database, {
      token,
      answer: "  Acme Corp, since 2019 ",
      upload: prepared.upload,
      client,
    });
    expect(await reviewStatus(reviewId)).toBe("assigned");
    expect(await inQueue(reviewId)).toBe(true);
    const waitingAfter = await listWaitingForBorrower(database);
    expect(waitingAfter.items.map((item) => item.id)).not.toContain(reviewId);
    const [shown] = await listInfoRequests(database, reviewId);
    expect(shown).toMatchObject({
      status: "answered",
      answer: "Acme Corp, since 2019",
      file: { name: "pay stub.pdf", contentType: "application/pdf" },
    });
    // Stored encrypted, not as the words the borrower typed.
    const stored = await database.db.query.infoRequests.findFirst({
      where: eq(infoRequests.id, sent.requestId),
    });
    expect(stored!.answerEnc).not.toContain("Acme");
    const file = await openInfoDocument(database, {
      reviewId,
      requestId: sent.requestId,
      operatorId: underwriter,
      client,
    });
    expect(new TextDecoder().decode(file!.bytes)).toContain("a pay stub");
    expect((await loadInfoRequestPage(database, token)).kind).toBe("answered");
    await expect(
      answerInfoRequest(database, { token, answer: "again", upload: prepared.upload, client }),
    ).rejects.toThrow(/closed/);
    // The timer that fires later changes nothing.
    expect(await timeOutInfoRequest(database, sent.requestId, new Date(Date.now() + 1e12))).toBe(
      "not_open",
    );
    expect(await auditActions(reviewId)).toEqual(
      expect.arrayContaining([
        "info_request.create",
        "info_request.answer",
        "info_request.document_viewed",
      ]),
    );
  });

  it("silence: the timeout returns the review to the queue; withdrawing does at once", async () => {
    const { reviewId } = await assignedReview();
    const sent = await requestInformation(database, {
      reviewId,
      operatorId: underwriter,
      form: { question: "Is the job at your home address?", message: "A quick question for you." },
      client,
    });
    expect(await timeOutInfoRequest(database, sent.requestId, new Date())).toBe("not_due");
    expect(await reviewStatus(reviewId)).toBe("waiting");
    expect(await timeOutInfoRequest(database, sent.requestId, sent.dueAt)).toBe("timed_out");
    expect(await reviewStatus(reviewId)).toBe("assigned");
    expect((await loadInfoRequestPage(database, tokenOf(sent.url))).kind).toBe("closed");

    const again = await requestInformation(database, {
      reviewId,
      operatorId: underwriter,
      form: { documentKind: "identity_document", message: "Please send a photo ID." },
      client,
    });
    await withdrawInfoRequest(database, {
      reviewId,
      requestId: again.requestId,
      operatorId: underwriter,
      client,
    });
    expect(await inQueue(reviewId)).toBe(true);
    expect((await listInfoRequests(database, reviewId)).map((r) => r.status)).toEqual([
      "canceled",
      "timed_out",
    ]);
  });

  it("counter-offer: an approval for less, priced by the offer rules; the borrower's plans finance it", async () => {
    const { applicationId, reviewId } = await assignedReview();
    const form = {
      amount: 500_000,
      tier: "B",
      reasonCodes: ["limited_credit_experience"],
      notes: "Thin file: a smaller loan",
    };
    // Refusals write nothing: more than asked, a reason the evidence does not support.
    await expect(
      makeCounterOffer(database, {
        reviewId,
        operatorId: underwriter,
        form: { ...form, amount: 900_000 },
        client,
      }),
    ).rejects.toThrow(CounterOfferInputError);
    await expect(
      makeCounterOffer(database, {
        reviewId,
        operatorId: underwriter,
        form: { ...form, reasonCodes: ["bankruptcy"] },
        client,
      }),
    ).rejects.toThrow(/evidence supports/);
    expect(
      await database.db
        .select()
        .from(counterOffers)
        .where(eq(counterOffers.applicationId, applicationId)),
    ).toEqual([]);

    const made = await makeCounterOffer(database, {
      reviewId,
      operatorId: underwriter,
      form,
      client,
    });
    const application = await database.db.query.applications.findFirst({
      where: eq(applications.id, applicationId),
    });
    expect(application!.status).toBe("approved");
    expect(await reviewStatus(reviewId)).toBe("resolved");
    const decision = await database.db.query.decisions.findFirst({
      where: eq(decisions.id, made.decisionId),
    });
    expect(decision).toMatchObject({ status: "approved", decidedBy: underwriter, tier: "B" });
    expect((decision!.snapshot as { counterOffer: unknown }).counterOffer).toEqual({
      requestedAmountCents: 800_000,
      amountCents: 500_000,
      tier: "B",
      reasonCodes: ["limited_credit_experience"],
    });
    const plans = await currentOffers(database, applicationId);
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) {
      // The principal adds the origination fee to what is financed for the job.
      expect(plan.principalCents - plan.originationFeeCents).toBe(500_000);
      expect(Number.isInteger(plan.monthlyPaymentCents)).toBe(true);
      expect(plan.apr).toMatch(/^\d+\.\d+$/);
    }
    expect(await templates(applicationId)).toEqual(
      expect.arrayContaining(["sms:counter_offer", "email:counter_offer"]),
    );
    expect((await openCounterOffer(database, applicationId))?.amountCents).toBe(500_000);
    expect(await auditActions(reviewId)).toContain("manual_review.counter_offer");
  });

  it("the borrower declines the counter-offer: declined, with a notice of its reasons; once", async () => {
    const { applicationId, customerId, reviewId } = await assignedReview();
    await makeCounterOffer(database, {
      reviewId,
      operatorId: underwriter,
      form: {
        amount: 400_000,
        tier: "B",
        reasonCodes: ["limited_credit_experience"],
        notes: "Thin file: a smaller loan",
      },
      client,
    });
    const { noticeId } = await declineCounterOffer(database, { applicationId, customerId, client });
    const application = await database.db.query.applications.findFirst({
      where: eq(applications.id, applicationId),
    });
    expect(application!.status).toBe("declined");
    const notice = await database.db.query.adverseActionNotices.findFirst({
      where: eq(adverseActionNotices.id, noticeId!),
    });
    expect(notice!.reasons.map((r) => r.code)).toEqual(["limited_credit_experience"]);
    const row = await database.db
      .select()
      .from(counterOffers)
      .where(eq(counterOffers.applicationId, applicationId))
      .get();
    expect(row!.status).toBe("declined");
    expect(await openCounterOffer(database, applicationId)).toBeNull();
    await expect(
      declineCounterOffer(database, { applicationId, customerId, client }),
    ).rejects.toThrow(CounterOfferStateError);
    expect(await auditActions(applicationId)).toContain("counter_offer.decline");
  });

  it("the FlowOps pages: field errors with nothing written, 404 for an unknown review, 403 without the permission", async () => {
    const operator = await signedInOperator("underwriter");
    const { applicationId, reviewId } = await assignedReview(operator.id);
    const infoPath = `/ops/reviews/${reviewId}/request-info`;
    const call = (
      route: typeof requestInfoRoute | typeof counterOfferRoute,
      path: string,
      form: Record<string, string>,
      id = reviewId,
      cookie = operator.cookie,
    ) => callOps(route, { path, cookie, form, params: { reviewId: id } });

    const empty = await call(requestInfoRoute, infoPath, { intent: "request", message: "Hi" });
    expect(statusOf(empty)).toBe(422);
    expect((empty as { result: { error: Record<string, string[]> } }).result.error).toMatchObject({
      documentKind: ["Ask for a document, a question, or both"],
      message: ["Write a message of at least 10 characters"],
    });
    const counterBad = await call(counterOfferRoute, `/ops/reviews/${reviewId}/counter-offer`, {
      amount: "five thousand",
      tier: "A",
      notes: "Smaller loan",
    });
    expect(statusOf(counterBad)).toBe(422);
    expect(
      (counterBad as { result: { error: Record<string, string[]> } }).result.error,
    ).toMatchObject({
      amount: ["Enter an amount in dollars, like 5000 or 4,250.50"],
      reasonCodes: ["Give at least one reason the terms asked for are refused"],
    });
    // More than asked: priced on the server, refused on the amount field.
    const tooMuch = await call(counterOfferRoute, `/ops/reviews/${reviewId}/counter-offer`, {
      amount: "9000",
      tier: "A",
      reasonCodes: "limited_credit_experience",
      notes: "Smaller loan",
    });
    expect(statusOf(tooMuch)).toBe(422);
    expect(
      (tooMuch as { result: { error: Record<string, string[]> } }).result.error.amount,
    ).toEqual(["A counter-offer finances at most the $8,000.00 asked for"]);
    expect(
      await database.db
        .select()
        .from(infoRequests)
        .where(eq(infoRequests.manualReviewId, reviewId)),
    ).toEqual([]);
    expect(
      await database.db
        .select()
        .from(counterOffers)
        .where(eq(counterOffers.applicationId, applicationId)),
    ).toEqual([]);

    const unknown = await call(
      requestInfoRoute,
      "/ops/reviews/mrv_unknown/request-info",
      {
        intent: "request",
        question: "Who is your employer?",
        message: "Please tell us where you work.",
      },
      "mrv_unknown",
    );
    expect(statusOf(unknown)).toBe(404);
    const support = await signedInOperator("support");
    const refused = await call(
      requestInfoRoute,
      infoPath,
      {
        intent: "request",
        question: "Who is your employer?",
        message: "Please tell us where you work.",
      },
      reviewId,
      support.cookie,
    );
    expect(statusOf(refused)).toBe(403);

    const sent = await call(requestInfoRoute, infoPath, {
      intent: "request",
      question: "Who is your employer?",
      message: "Please tell us where you work.",
    });
    expect(statusOf(sent)).toBe(302);
    expect(await reviewStatus(reviewId)).toBe("waiting");
    // While it waits, a counter-offer is refused (withdraw the request first).
    const waiting = await call(counterOfferRoute, `/ops/reviews/${reviewId}/counter-offer`, {
      amount: "5000",
      tier: "A",
      reasonCodes: "limited_credit_experience",
      notes: "Smaller loan",
    });
    expect(statusOf(waiting)).toBe(409);
  });

  it("unanswered, the counter-offer lapses as declined with its notice (the job's due in 30 days)", async () => {
    const { applicationId, reviewId } = await assignedReview();
    const made = await makeCounterOffer(database, {
      reviewId,
      operatorId: underwriter,
      form: {
        amount: 600_000,
        tier: "A",
        reasonCodes: ["limited_credit_experience"],
        notes: "Thin file: a smaller loan",
      },
      client,
    });
    const [timer] = await database.db.all<{ run_at: number; created_at: number }>(
      sql`SELECT run_at, created_at FROM outbox WHERE kind = 'counter-offer-lapse'
          AND json_extract(payload, '$.counterOfferId') = ${made.counterOfferId}`,
    );
    expect(Math.round((timer!.run_at - timer!.created_at) / 86_400_000)).toBe(
      counterOfferLapseDays,
    );
    expect(await lapseCounterOffer(database, made.counterOfferId)).toBe("lapsed");
    const application = await database.db.query.applications.findFirst({
      where: eq(applications.id, applicationId),
    });
    expect(application!.status).toBe("declined");
    const notices = await database.db
      .select()
      .from(adverseActionNotices)
      .where(eq(adverseActionNotices.applicationId, applicationId));
    expect(notices.map((n) => n.reasons.map((r) => r.code))).toEqual([
      ["limited_credit_experience"],
    ]);
    expect(await lapseCounterOffer(database, made.counterOfferId)).toBe("not_open");
    expect(await auditActions(applicationId)).toContain("counter_offer.lapsed");
  });

  it("signing one of its plans accepts the counter-offer", async () => {
    const { applicationId, reviewId } = await assignedReview();
    const made = await makeCounterOffer(database, {
      reviewId,
      operatorId: underwriter,
      form: {
        amount: 800_000,
        tier: "B", // the engine's tier for this file is A: a dearer tier, the same amount
        reasonCodes: ["limited_credit_experience"],
        notes: "Another tier, same amount",
      },
      client,
    });
    await database.write((tx) =>
      markCounterOfferAccepted(tx, { applicationId, offerId: made.offerIds[0]!, now: new Date() }),
    );
    const row = await database.db
      .select()
      .from(counterOffers)
      .where(and(eq(counterOffers.applicationId, applicationId)))
      .get();
    expect(row!.status).toBe("accepted");
  });
});
