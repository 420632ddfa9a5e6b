/**
 * Applying a verified lender event (stored once in webhook_events by the webhook route): the
 * apply-lender-event job. Each event changes the loan through the state machine in one write
 * transaction with everything that follows from it — the application's status, the event's
 * lender_transactions row, the borrower's "loan_funded" text, the CRM write-back, an audit
 * record. Running it twice changes nothing the second time.
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Database, Tx } from "~/db/client";
import { applications, lenderTransactions, loans, refunds, webhookEvents } from "~/db/schema/index";
import { PermanentError } from "~/jobs/errors";
import { audit } from "~/app/audit/audit.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { messageBorrower } from "~/app/borrower/message-borrower.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { logger } from "~/app/observability/logger.server";
import { insertLenderTransaction } from "./lender-log.server";
import { applicationMayFollow, IllegalTransitionError, loanTransition } from "./loan-state";
import { disbursementTransaction } from "./ledger";
import { appendLedgerTransaction } from "./ledger.server";
import { enqueueDueDisbursements } from "./funding.server";
import { disbursementParts } from "./release";
import { completeRefundIn } from "./refunds.server";

const storedEvent = z.object({
  id: z.string().min(1),
  event: z.string().min(1),
  loan_id: z.string().min(1),
  funded_amount_cents: z.number().int().nonnegative().nullable().optional(),
  occurred_at: z.iso.datetime({ offset: true }),
  /** disbursement.completed: which of the loan's disbursements was paid (ADR 050). */
  disbursement_id: z.string().min(1).optional(),
  /** loan.refunded: our refund id (sent as the refund's reference) and the lender's amount. */
  reference: z.string().min(1).optional(),
  amount_cents: z.number().int().positive().optional(),
});

export type EventOutcome =
  | { kind: "funded"; loanId: string; fundedAmountCents: number }
  | { kind: "canceled"; loanId: string }
  /** A progress payment's first part was paid (ADR 050). */
  | { kind: "part_paid"; loanId: string; amountCents: number }
  | { kind: "refunded"; loanId: string; refundId: string }
  | { kind: "recorded"; loanId: string; event: string }
  | { kind: "already"; loanId: string };

type Loan = typeof loans.$inferSelect;
type Event = z.infer<typeof storedEvent>;

/** The lender event `eventId` as stored by the webhook route (the raw body, verified). */
async function loadEvent(database: Database, lender: string, eventId: string): Promise<Event> {
  const row = await database.db
    .select({ payload: webhookEvents.payload })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.partner, `lender:${lender}`), eq(webhookEvents.eventId, eventId)))
    .get();
  if (!row) throw new PermanentError(`No stored event ${eventId} of lender ${lender}`);
  const parsed = storedEvent.safeParse(JSON.parse(row.payload));
  if (!parsed.success) throw new PermanentError(`Stored event ${eventId} is not a lender event`);
  return parsed.data;
}

async function loanOf(tx: Tx, lender: string, lenderLoanId: string) {
  return tx
    .select()
    .from(loans)
    .where(and(eq(loans.lender, lender), eq(loans.lenderLoanId, lenderLoanId)))
    .get();
}

function eventRecord(loan: Loan, lender: string, event: Event) {
  return {
    loanId: loan.id,
    applicationId: loan.applicationId,
    lender,
    operation: `event:${event.event}`,
    idempotencyKey: event.id,
    response: event,
    outcome: "event" as const,
  };
}

async function followLoan(tx: Tx, loan: Loan, to: "funded" | "canceled", now: Date) {
  const application = await tx
    .select()
    .from(applications)
    .where(eq(applications.id, loan.applicationId))
    .get();
  if (!application || !applicationMayFollow(application.status, to)) {
    throw new IllegalTransitionError(
      `Application ${loan.applicationId} is ${application?.status ?? "missing"}; it cannot follow its loan to ${to}`,
    );
  }
  await tx
    .update(applications)
    .set(to === "canceled" ? { status: "canceled", canceledAt: now } : { status: "funded" })
    .where(eq(applications.id, loan.applicationId));
  return application;
}

async function fund(tx: Tx, loan: Loan, lender: string, event: Event): Promise<EventOutcome> {
  const transition = loanTransition(loan.status, "funded");
  if (transition.kind === "already") return { kind: "already", loanId: loan.id };
  const fundedAmountCents = event.funded_amount_cents ?? loan.disbursementCents;
  if (fundedAmountCents !== loan.disbursementCents) {
    logger.warn(
      { loan_id: loan.id, expected: loan.disbursementCents, funded: fundedAmountCents },
      "lender funded another amount than the disbursement requested",
    );
  }
  const fundedAt = new Date(event.occurred_at);
  await tx
    .update(loans)
    .set({ status: "funded", fundedAmountCents, fundedAt, releasedCents: loan.amountCents })
    .where(and(eq(loans.id, loan.id), eq(loans.status, "pending_funding")));
  await followLoan(tx, loan, "funded", fundedAt);
  await insertLenderTransaction(tx, eventRecord(loan, lender, event));
  // The money moved: the lender funded the loan, the merchant is owed it less its fee (ADR 044).
  // Written with the status change, keyed by the event, so a replay cannot post it twice. After a
  // progress payment's first part (posted when it was paid), only the rest moves now (ADR 050).
  const part = disbursementParts(loan).onCompletion;
  await postDisbursement(tx, loan, lender, event, part, fundedAt);
  await messageBorrower(tx, loan.applicationId, ({ merchant }) => ({
    sms: { template: "loan_funded", merchantName: merchant.name, amountCents: loan.amountCents },
  }));
  await enqueueCrmSync(tx, loan.applicationId, "funded");
  await auditLenderEvent(tx, loan, lender, "loan.funded", {
    event_id: event.id,
    lender_loan_id: event.loan_id,
    funded_amount_cents: fundedAmountCents,
  });
  return { kind: "funded", loanId: loan.id, fundedAmountCents };
}

/**
 * The money a disbursement moved, in the ledger: keyed by the lender's event, so a replayed
 * event cannot post it twice.
 */
function postDisbursement(
  tx: Tx,
  loan: Loan,
  lender: string,
  event: Event,
  part: { amountCents: number; merchantFeeCents: number },
  now: Date,
) {
  return appendLedgerTransaction(
    tx,
    disbursementTransaction({
      loanId: loan.id,
      merchantId: loan.merchantId,
      lender,
      amountCents: part.amountCents,
      merchantFeeCents: part.merchantFeeCents,
    }),
    { sourceKey: `lender-event:${lender}:${event.id}`, now },
  );
}

/** What the lender's event did to the loan, in the audit log under the lender's name. */
function auditLenderEvent(
  tx: Tx,
  loan: Loan,
  lender: string,
  action: string,
  details: Record<string, unknown>,
) {
  return audit(tx, {
    actorType: "system",
    actorId: `lender:${lender}`,
    action,
    entityType: "loan",
    entityId: loan.id,
    details,
  });
}

async function cancel(tx: Tx, loan: Loan, lender: string, event: Event): Promise<EventOutcome> {
  const transition = loanTransition(loan.status, "canceled");
  if (transition.kind === "already") return { kind: "already", loanId: loan.id };
  const now = new Date(event.occurred_at);
  await tx
    .update(loans)
    .set({ status: "canceled" })
    .where(and(eq(loans.id, loan.id), eq(loans.status, "pending_funding")));
  await followLoan(tx, loan, "canceled", now);
  await insertLenderTransaction(tx, eventRecord(loan, lender, event));
  await enqueueCrmSync(tx, loan.applicationId, "canceled");
  await auditLenderEvent(tx, loan, lender, "loan.canceled", {
    event_id: event.id,
    lender_loan_id: event.loan_id,
  });
  return { kind: "canceled", loanId: loan.id };
}

/**
 * The lender applied a refund we asked for (its reference is our refund id): the refund completes
 * with its ledger rows, the application's status, the borrower's text and the CRM note (ADR 053).
 * A refund we did not ask for is only recorded, for FlowOps.
 */
async function refund(tx: Tx, loan: Loan, lender: string, event: Event): Promise<EventOutcome> {
  if (!event.reference) return recordOnly(tx, loan, lender, event);
  const ours = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.id, event.reference), eq(refunds.loanId, loan.id)))
    .get();
  if (!ours) return recordOnly(tx, loan, lender, event);
  if (event.amount_cents !== undefined && event.amount_cents !== ours.amountCents) {
    logger.warn(
      { loan_id: loan.id, refund_id: ours.id, expected: ours.amountCents, got: event.amount_cents },
      "lender refunded another amount than requested",
    );
  }
  const done = await completeRefundIn(tx, ours.id, new Date(event.occurred_at));
  if (done.alreadyCompleted) return { kind: "already", loanId: loan.id };
  await insertLenderTransaction(tx, eventRecord(loan, lender, event));
  return { kind: "refunded", loanId: loan.id, refundId: ours.id };
}

/**
 * A progress payment's first part was paid (ADR 050): the loan's released amount and the ledger
 * move together, once (keyed by the event); a loan released meanwhile gets its second part now.
 */
async function partPaid(tx: Tx, loan: Loan, lender: string, event: Event): Promise<EventOutcome> {
  const upfront = disbursementParts(loan).upfront;
  if (!upfront || !event.disbursement_id) return recordOnly(tx, loan, lender, event);
  if (!loan.upfrontDisbursementId) {
    // Transient: the lender answered before our request-disbursement step recorded its id.
    throw new Error(`Loan ${loan.id}: disbursement ${event.disbursement_id} is not recorded (yet)`);
  }
  if (event.disbursement_id !== loan.upfrontDisbursementId) {
    return recordOnly(tx, loan, lender, event);
  }
  if (loan.releasedCents >= upfront.amountCents) return { kind: "already", loanId: loan.id };
  const paidAt = new Date(event.occurred_at);
  await tx
    .update(loans)
    .set({ releasedCents: upfront.amountCents })
    .where(and(eq(loans.id, loan.id), eq(loans.releasedCents, loan.releasedCents)));
  await insertLenderTransaction(tx, eventRecord(loan, lender, event));
  await postDisbursement(tx, loan, lender, event, upfront, paidAt);
  await enqueueDueDisbursements(tx, loan.id);
  await auditLenderEvent(tx, loan, lender, "loan.upfront_paid", {
    event_id: event.id,
    disbursement_id: event.disbursement_id,
    amount_cents: upfront.amountCents,
    disbursement_cents: upfront.disbursementCents,
  });
  return { kind: "part_paid", loanId: loan.id, amountCents: upfront.amountCents };
}

/** Other events (disbursement.failed, …): recorded for reconciliation and audited; ops act on them. */
async function recordOnly(tx: Tx, loan: Loan, lender: string, event: Event): Promise<EventOutcome> {
  const seen = await tx
    .select({ id: lenderTransactions.id })
    .from(lenderTransactions)
    .where(
      and(eq(lenderTransactions.loanId, loan.id), eq(lenderTransactions.idempotencyKey, event.id)),
    )
    .get();
  if (seen) return { kind: "already", loanId: loan.id };
  await insertLenderTransaction(tx, eventRecord(loan, lender, event));
  await auditLenderEvent(tx, loan, lender, "loan.lender_event", {
    event_id: event.id,
    event: event.event,
  });
  return { kind: "recorded", loanId: loan.id, event: event.event };
}

export async function applyLenderEvent(
  database: Database,
  input: { lender: string; eventId: string },
): Promise<EventOutcome> {
  const event = await loadEvent(database, input.lender, input.eventId);
  const outcome = await database.write(async (tx) => {
    const loan = await loanOf(tx, input.lender, event.loan_id);
    // Transient: the lender may call before our create-loan step has recorded its loan id.
    if (!loan) return null;
    switch (event.event) {
      case "loan.funded":
        return fund(tx, loan, input.lender, event);
      case "loan.canceled":
        return cancel(tx, loan, input.lender, event);
      case "disbursement.completed":
        return partPaid(tx, loan, input.lender, event);
      case "loan.refunded":
        return refund(tx, loan, input.lender, event);
      default:
        return recordOnly(tx, loan, input.lender, event);
    }
  });
  if (!outcome) {
    throw new Error(`Lender ${input.lender} loan ${event.loan_id} is not recorded (yet)`);
  }
  if (outcome.kind === "funded") {
    businessMetrics.loansFunded.inc({ lender: input.lender });
    businessMetrics.loansFundedAmount.inc({ lender: input.lender }, outcome.fundedAmountCents);
  }
  if (outcome.kind === "recorded") {
    logger.warn({ loan_id: outcome.loanId, event: outcome.event }, "lender event recorded for ops");
  }
  return outcome;
}
