/**
 * Funding: create the loan at the lender, then request the disbursement — each exactly once,
 * however often the jobs run (ADR 013).
 *
 * 1. Our loan row is written FIRST, in its own committed transaction (pending_funding, with our
 *    loan id; `loans.application_id` is unique), and the application follows to pending_funding.
 * 2. Then the lender is called with `${loanId}:create` as the idempotency key.
 * 3. Then its answer is recorded (lender loan id, lender_transactions) together with the
 *    request-disbursement job.
 *
 * A crash between 2 and 3 leaves the row without a lender loan id; the retry finds the row and
 * calls again with the same key, and the lender answers with the loan it already made. The
 * disbursement does the same with `${loanId}:disburse` (a different key: keys are scoped to the
 * lender's API key, not to one endpoint). No transaction is open while a lender is called.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { applications, customers, loans, merchants, offers } from "~/db/schema/index";
import type { CreateLoanInput, DisbursementInput, LenderRegistry } from "~/adapters/lender/index";
import { enqueue } from "~/jobs/enqueue.server";
import { PermanentError } from "~/jobs/errors";
import { requestDisbursementJob } from "~/jobs/handlers/request-disbursement.definition";
import { withdrawLoanJob } from "~/jobs/handlers/withdraw-loan.definition";
import { audit } from "~/app/audit/audit.server";
import { dueDate } from "~/app/borrower/agreement";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { loanAmounts } from "./amounts";
import { conditionsHoldFunding } from "./conditions.server";
import { insertLenderTransaction, recordLenderFailure } from "./lender-log.server";
import { recordLenderDecline } from "./lender-decline.server";
import { applicationMayFollow } from "./loan-state";
import { disbursementParts, upfrontCentsFor } from "./release";

type Loan = typeof loans.$inferSelect;

export type FundingStep =
  | { kind: "done"; loanId: string; lenderId: string }
  | { kind: "already"; loanId: string; lenderId: string }
  | { kind: "skipped"; reason: string }
  /** The lender refused the loan: recorded, the application is lender_declined (ADR 032). */
  | { kind: "declined"; loanId: string; lenderId: string };

/**
 * Attempt 1 keeps the original keys; after a reroute (ADR 032) the attempt number is part of
 * them, so a lender reached twice (two names, one API) never replays the refused answer.
 */
export const createKey = (loanId: string, attempt = 1) =>
  attempt === 1 ? `${loanId}:create` : `${loanId}:create:${attempt}`;
export const disburseKey = (loanId: string, attempt = 1) =>
  attempt === 1 ? `${loanId}:disburse` : `${loanId}:disburse:${attempt}`;
/** A progress payment's first part (ADR 050): its own key, so it never replays as the second. */
export const upfrontDisburseKey = (loanId: string, attempt = 1) =>
  attempt === 1 ? `${loanId}:disburse:upfront` : `${loanId}:disburse:upfront:${attempt}`;

const elapsed = (started: number) => Math.round(performance.now() - started);

/**
 * One call to a lender, timed: a failure is recorded in lender_transactions (and rethrown for the
 * outbox's retry); a success hands back the record to complete with the lender's answer.
 */
export async function callLender<T>(
  database: Database,
  loan: { id: string; applicationId: string; lender: string },
  operation: "create_loan" | "request_disbursement" | "refund_loan" | "withdraw_loan",
  input: { idempotencyKey: string },
  call: () => Promise<T>,
) {
  const record = {
    loanId: loan.id,
    applicationId: loan.applicationId,
    lender: loan.lender,
    operation,
    idempotencyKey: input.idempotencyKey,
    request: input,
  };
  const started = performance.now();
  try {
    const result = await call();
    return { result, record, durationMs: elapsed(started) };
  } catch (error) {
    await recordLenderFailure(database, { ...record, durationMs: elapsed(started) }, error);
    throw error;
  }
}

/**
 * Step 1: the loan row (or the one a previous attempt wrote). Null when the application is no
 * longer waiting for a loan (canceled, or moved on without one).
 */
export async function openLoan(database: Database, applicationId: string): Promise<Loan | null> {
  return database.write(async (tx) => {
    const existing = await tx
      .select()
      .from(loans)
      .where(eq(loans.applicationId, applicationId))
      .get();
    const application = await tx
      .select()
      .from(applications)
      .where(eq(applications.id, applicationId))
      .get();
    if (existing) return existing.lenderLoanId ? existing : resumeLoan(tx, existing, application);
    if (!application) throw new PermanentError(`No application ${applicationId}`);
    if (
      !applicationMayFollow(application.status, "pending_funding") &&
      !applicationMayFollow(application.status, "awaiting_completion")
    ) {
      return null;
    }
    if (!application.selectedOfferId) {
      throw new PermanentError(`Application ${applicationId} has no selected offer`);
    }
    const { offer, merchant, amounts } = await signedTerms(
      tx,
      application,
      application.selectedOfferId,
    );
    // The merchant's plan says when the money moves (ADR 050): on completion the loan is booked
    // now and waits for the job; a progress plan pays its first part at once.
    const status =
      merchant.fundingMode === "on_completion" ? "awaiting_completion" : "pending_funding";
    const loan: typeof loans.$inferInsert = {
      id: newId("loan"),
      applicationId,
      offerId: offer.id,
      merchantId: merchant.id,
      lender: merchant.lender,
      status,
      principalCents: offer.principalCents,
      amountCents: amounts.amountCents,
      merchantFeeCents: amounts.merchantFeeCents,
      disbursementCents: amounts.disbursementCents,
      upfrontCents: upfrontCentsFor({
        mode: merchant.fundingMode,
        upfrontReleaseBps: merchant.upfrontReleaseBps,
        amountCents: amounts.amountCents,
      }),
      paymentSchedule: offer.schedule,
    };
    const [inserted] = await tx.insert(loans).values(loan).returning();
    await tx
      .update(applications)
      .set({ status })
      .where(and(eq(applications.id, applicationId), eq(applications.status, "offer_accepted")));
    if (status === "awaiting_completion")
      await enqueueCrmSync(tx, applicationId, "awaiting_completion");
    await audit(tx, {
      actorType: "system",
      actorId: "funding",
      action: "loan.open",
      entityType: "loan",
      entityId: loan.id,
      details: {
        application_id: applicationId,
        lender: merchant.lender,
        amount_cents: amounts.amountCents,
        merchant_fee_cents: amounts.merchantFeeCents,
        disbursement_cents: amounts.disbursementCents,
        funding_mode: merchant.fundingMode,
        upfront_cents: loan.upfrontCents,
      },
    });
    return inserted!;
  });
}

/**
 * The offer the borrower signed and the loan's amounts under it (the merchant's fee included).
 * A missing offer or merchant is permanent: retrying cannot make the signed terms appear.
 */
async function signedTerms(tx: Tx, application: typeof applications.$inferSelect, offerId: string) {
  const offer = await tx
    .select()
    .from(offers)
    .where(and(eq(offers.id, offerId), eq(offers.applicationId, application.id)))
    .get();
  const merchant = await tx
    .select()
    .from(merchants)
    .where(eq(merchants.id, application.merchantId))
    .get();
  if (!offer || !merchant) {
    throw new PermanentError(`Application ${application.id}: its offer or merchant is missing`);
  }
  const amounts = loanAmounts(application.amountCents, offer, merchant.merchantFeeBps);
  return { offer, merchant, amounts };
}

/**
 * A loan row without a lender loan id: a crash before the lender's answer was recorded, or a
 * reroute (ADR 032) waiting for the borrower's new signature. It goes to the lender only once
 * the application is signed again (offer_accepted / pending_funding), for the offer signed last.
 */
async function resumeLoan(
  tx: Tx,
  loan: Loan,
  application: typeof applications.$inferSelect | undefined,
): Promise<Loan | null> {
  if (!application) throw new PermanentError(`No application ${loan.applicationId}`);
  if (loan.status !== "pending_funding") return loan;
  if (application.status !== "offer_accepted" && application.status !== "pending_funding") {
    return null;
  }
  const status = await statusOnResign(tx, loan, application.merchantId);
  if (status !== loan.status) {
    await tx
      .update(loans)
      .set({ status })
      .where(and(eq(loans.id, loan.id), eq(loans.status, "pending_funding")));
  }
  if (!application.selectedOfferId || application.selectedOfferId === loan.offerId) {
    if (application.status === "offer_accepted") {
      await tx
        .update(applications)
        .set({ status })
        .where(and(eq(applications.id, application.id), eq(applications.status, "offer_accepted")));
    }
    return { ...loan, status };
  }
  const { offer, amounts } = await signedTerms(tx, application, application.selectedOfferId);
  const [updated] = await tx
    .update(loans)
    .set({
      offerId: offer.id,
      principalCents: offer.principalCents,
      amountCents: amounts.amountCents,
      merchantFeeCents: amounts.merchantFeeCents,
      disbursementCents: amounts.disbursementCents,
      paymentSchedule: offer.schedule,
    })
    .where(and(eq(loans.id, loan.id), isNull(loans.lenderLoanId)))
    .returning();
  await tx
    .update(applications)
    .set({ status })
    .where(and(eq(applications.id, application.id), eq(applications.status, "offer_accepted")));
  return updated ?? { ...loan, status };
}

/**
 * Where a loan signed again goes (ADR 050): a reroute (ADR 032) brings it back as
 * `pending_funding`, but a merchant paid on completion waits for the job again — unless the
 * payment was released already. A first attempt resumed after a crash keeps its status.
 */
async function statusOnResign(
  tx: Tx,
  loan: Loan,
  merchantId: string,
): Promise<"pending_funding" | "awaiting_completion"> {
  if (loan.attempt === 1 || loan.releasedAt) return "pending_funding";
  const merchant = await tx
    .select({ fundingMode: merchants.fundingMode })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .get();
  return merchant?.fundingMode === "on_completion" ? "awaiting_completion" : "pending_funding";
}

async function createLoanInput(database: Database, loan: Loan): Promise<CreateLoanInput> {
  const row = await database.db
    .select()
    .from(offers)
    .innerJoin(applications, eq(applications.id, offers.applicationId))
    .innerJoin(customers, eq(customers.id, applications.customerId))
    .where(eq(offers.id, loan.offerId))
    .get();
  if (!row) throw new PermanentError(`Loan ${loan.id}: its offer is missing`);
  const { offers: offer, customers: customer } = row;
  // The agreement dates payment k k months after the signing date (offers.selected_at).
  const loanDate = offer.selectedAt ?? loan.createdAt;
  const state = customer.state && /^[A-Z]{2}$/.test(customer.state) ? customer.state : null;
  return {
    idempotencyKey: createKey(loan.id, loan.attempt),
    applicationId: loan.applicationId,
    loanId: loan.id,
    merchantId: loan.merchantId,
    principalCents: offer.principalCents,
    amountFinancedCents: offer.amountFinancedCents,
    termMonths: offer.termMonths,
    apr: offer.apr,
    noteRate: offer.noteRate,
    monthlyPaymentCents: offer.monthlyPaymentCents,
    firstPaymentDate: dueDate(loanDate, 1),
    borrower: { firstName: customer.firstName, lastName: customer.lastName, state },
  };
}

/**
 * The disbursement jobs a booked loan is due, each keyed so it is enqueued once (ADR 050): the
 * whole (or remaining) payment once the loan is `pending_funding`; a progress payment's first
 * part while it waits for the job. The jobs themselves check again before calling the lender.
 */
export async function enqueueDueDisbursements(tx: Tx, loanId: string) {
  // Read here, in the caller's write transaction: a release and the lender's answer may race.
  const loan = await tx.select().from(loans).where(eq(loans.id, loanId)).get();
  // Not booked at the lender yet: create-loan enqueues them once it is.
  if (!loan?.lenderLoanId) return;
  const open = loan.status === "pending_funding" || loan.status === "awaiting_completion";
  if (open && loan.upfrontCents > 0 && !loan.upfrontDisbursementId) {
    await enqueue(
      tx,
      requestDisbursementJob,
      { loanId: loan.id, part: "upfront" },
      { key: `${loan.id}:upfront`, keyMode: "dedupe" },
    );
  }
  if (loan.status === "pending_funding" && !loan.disbursementId) {
    await enqueue(
      tx,
      requestDisbursementJob,
      { loanId: loan.id },
      { key: loan.id, keyMode: "dedupe" },
    );
  }
}

/**
 * The create-loan job: steps 1–3 above. Idempotent: a loan the lender has confirmed is not
 * created again (its disbursement job is made sure of instead).
 */
export async function createLoanForApplication(
  database: Database,
  lenders: LenderRegistry,
  applicationId: string,
  options: { signal?: AbortSignal } = {},
): Promise<FundingStep> {
  const loan = await openLoan(database, applicationId);
  if (!loan) return { kind: "skipped", reason: "the application no longer waits for a loan" };
  if (loan.status !== "pending_funding" && loan.status !== "awaiting_completion") {
    return { kind: "skipped", reason: `the loan is ${loan.status}` };
  }
  if (loan.lenderLoanId) {
    await database.write((tx) => enqueueDueDisbursements(tx, loan.id));
    return { kind: "already", loanId: loan.id, lenderId: loan.lenderLoanId };
  }

  const adapter = lenders.get(loan.lender);
  const input = await createLoanInput(database, loan);
  const { result, record, durationMs } = await callLender(
    database,
    loan,
    "create_loan",
    input,
    () => adapter.createLoan(input, options.signal),
  );
  const response = { lender_loan_id: result.lenderLoanId, status: result.status };

  if (result.status === "rejected") {
    // The lender refused: the application ends lender_declined now, for everyone (ADR 032).
    await recordLenderDecline(database, loan, result.rejection, {
      ...record,
      response: { ...response, rejection: result.rejection },
      durationMs,
    });
    return { kind: "declined", loanId: loan.id, lenderId: result.lenderLoanId };
  }
  if (result.status === "canceled") {
    // Not recorded as the loan's lender id: ops decide (retry after talking to the lender, or cancel).
    await database.write((tx) =>
      insertLenderTransaction(tx, { ...record, response, outcome: "ok", durationMs }),
    );
    throw new PermanentError(
      `Lender ${loan.lender} answered loan ${loan.id} with status ${result.status} (${result.lenderLoanId})`,
    );
  }

  await database.write(async (tx) => {
    await tx
      .update(loans)
      .set({ lenderLoanId: result.lenderLoanId })
      .where(and(eq(loans.id, loan.id), isNull(loans.lenderLoanId)));
    await insertLenderTransaction(tx, { ...record, response, outcome: "ok", durationMs });
    await enqueueDueDisbursements(tx, loan.id);
    // Canceled while the lender was booking it (ADR 055): withdraw what the lender just booked.
    const now = await tx
      .select({ status: loans.status })
      .from(loans)
      .where(eq(loans.id, loan.id))
      .get();
    if (now?.status === "canceled") {
      await enqueue(tx, withdrawLoanJob, { loanId: loan.id }, { key: loan.id, keyMode: "dedupe" });
    }
  });
  businessMetrics.loansCreated.inc({ lender: loan.lender });
  return { kind: "done", loanId: loan.id, lenderId: result.lenderLoanId };
}

/**
 * The request-disbursement job: pay the merchant amount − merchant fee, once — or, for a
 * progress payment (ADR 050), the first part (`part: "upfront"`) while the loan waits for the job
 * and the rest once it is released, each with its own idempotency key and disbursement id.
 */
export async function requestLoanDisbursement(
  database: Database,
  lenders: LenderRegistry,
  loanId: string,
  options: { signal?: AbortSignal; part?: "upfront" } = {},
): Promise<FundingStep> {
  const loan = await database.db.select().from(loans).where(eq(loans.id, loanId)).get();
  if (!loan) throw new PermanentError(`No loan ${loanId}`);
  const upfront = options.part === "upfront";
  const parts = disbursementParts(loan);
  if (upfront) {
    if (loan.status !== "awaiting_completion" && loan.status !== "pending_funding") {
      return { kind: "skipped", reason: `the loan is ${loan.status}` };
    }
    if (!parts.upfront) return { kind: "skipped", reason: "the plan pays nothing upfront" };
    if (loan.upfrontDisbursementId) {
      return { kind: "already", loanId, lenderId: loan.upfrontDisbursementId };
    }
  } else {
    if (loan.status !== "pending_funding") {
      return { kind: "skipped", reason: `the loan is ${loan.status}` };
    }
    if (loan.disbursementId) return { kind: "already", loanId, lenderId: loan.disbursementId };
    // The lender takes one disbursement at a time: the rest waits until the first part is paid;
    // that payment's event enqueues this job again (events.server.ts).
    if (parts.upfront && loan.releasedCents < parts.upfront.amountCents) {
      return { kind: "skipped", reason: "the first part is not paid yet" };
    }
  }
  // Funding conditions (ADR 035): nothing is paid while one is open; clearing the last one
  // enqueues this job again (conditions.server.ts).
  if (await conditionsHoldFunding(database.db, loan.applicationId)) {
    return { kind: "skipped", reason: "funding conditions are open" };
  }
  if (!loan.lenderLoanId) throw new PermanentError(`Loan ${loanId} has no lender loan id yet`);
  const merchant = await database.db
    .select({ last4: merchants.disbursementAccountLast4 })
    .from(merchants)
    .where(eq(merchants.id, loan.merchantId))
    .get();

  const adapter = lenders.get(loan.lender);
  const part = upfront ? parts.upfront! : parts.onCompletion;
  const input: DisbursementInput = {
    idempotencyKey: upfront
      ? upfrontDisburseKey(loan.id, loan.attempt)
      : disburseKey(loan.id, loan.attempt),
    lenderLoanId: loan.lenderLoanId,
    amountCents: part.disbursementCents,
    merchantAccountLast4: merchant?.last4 && /^\d{4}$/.test(merchant.last4) ? merchant.last4 : null,
    merchantReference: loan.id,
    // Only a progress payment's first part leaves the loan open for another (ADR 050).
    ...(upfront ? { final: false } : {}),
  };
  const { result, record, durationMs } = await callLender(
    database,
    loan,
    "request_disbursement",
    input,
    () => adapter.requestDisbursement(input, options.signal),
  );
  await database.write(async (tx) => {
    if (upfront) {
      await tx
        .update(loans)
        .set({ upfrontDisbursementId: result.disbursementId })
        .where(and(eq(loans.id, loan.id), isNull(loans.upfrontDisbursementId)));
    } else {
      await tx
        .update(loans)
        .set({ disbursementId: result.disbursementId })
        .where(and(eq(loans.id, loan.id), isNull(loans.disbursementId)));
    }
    await insertLenderTransaction(tx, {
      ...record,
      response: { disbursement_id: result.disbursementId, status: result.status },
      outcome: "ok",
      durationMs,
    });
  });
  return { kind: "done", loanId, lenderId: result.disbursementId };
}
