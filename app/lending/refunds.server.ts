import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { applications, loans, refunds } from "~/db/schema/index";
import type { LenderRegistry, RefundInput } from "~/adapters/lender/index";
import { isPartnerError } from "~/adapters/shared/errors";
import { enqueue } from "~/jobs/enqueue.server";
import { PermanentError } from "~/jobs/errors";
import { requestRefundJob } from "~/jobs/handlers/request-refund.definition";
import { audit } from "~/app/audit/audit.server";
import { messageBorrower } from "~/app/borrower/message-borrower.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { formatMoney } from "~/app/money/dollars";
import { emitMerchantEvent } from "~/app/webhooks/emit.server";
import { callLender } from "./funding.server";
import { insertLenderTransaction } from "./lender-log.server";
import { refundTransaction } from "./ledger";
import { appendLedgerTransaction } from "./ledger.server";

/**
 * Refunds after funding (docs/product/merchants-and-money.md, "The money after the signature"):
 * a merchant asks for a full or partial refund of a funded loan; the lender reduces or closes the
 * loan; the ledger moves when the lender confirms (ADR 044). What this module guarantees:
 * - the refunds of a loan never add up to more than was funded — the check and the insert are one
 *   transaction, and the process's write queue runs transactions one at a time, so two concurrent
 *   requests cannot both take the last dollars;
 * - the same Idempotency-Key answers with the same refund; the same key for another refund is a
 *   conflict;
 * - the confirmation posts the ledger once (keyed by the refund), returning the merchant fee in
 *   proportion;
 * - the lender is asked exactly once: the request-refund job is enqueued with the refund (one
 *   transaction), and its lender idempotency key is derived from the refund id, so a retry after
 *   a crash (kill -9 included) replays the lender's first answer (ADR 053).
 */
export class RefundError extends Error {
  override name = "RefundError";
  constructor(
    readonly code: "not_found" | "invalid_state" | "validation_failed" | "idempotency_conflict",
    message: string,
  ) {
    super(message);
  }
}

export type RefundRequest = {
  merchantId: string;
  /** The loan, or (the API's way) its application: one of the two. */
  loanId?: string;
  applicationId?: string;
  amountCents: number;
  reason: string;
  idempotencyKey: string;
  actor?: {
    actorType: "api_key" | "operator" | "system" | "merchant_user";
    actorId?: string | null;
  };
  now?: Date;
};

type RefundRow = typeof refunds.$inferSelect;

export async function requestRefund(
  database: Database,
  input: RefundRequest,
): Promise<{ refund: RefundRow; replayed: boolean }> {
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) {
    throw new RefundError(
      "validation_failed",
      "amount_cents must be a positive whole number of cents",
    );
  }
  const reason = input.reason.trim();
  if (reason.length === 0 || reason.length > 500) {
    throw new RefundError("validation_failed", "reason must be 1 to 500 characters");
  }
  const now = input.now ?? new Date();
  return database.write(async (tx) => {
    const earlier = await tx
      .select()
      .from(refunds)
      .where(
        and(
          eq(refunds.merchantId, input.merchantId),
          eq(refunds.idempotencyKey, input.idempotencyKey),
        ),
      )
      .get();
    if (earlier) {
      const sameTarget = input.loanId
        ? earlier.loanId === input.loanId
        : earlier.applicationId === input.applicationId;
      if (!sameTarget || earlier.amountCents !== input.amountCents) {
        throw new RefundError(
          "idempotency_conflict",
          "This Idempotency-Key was used for another refund",
        );
      }
      return { refund: earlier, replayed: true };
    }
    // The merchant's scope: another merchant's loan is simply not found.
    const loan = await tx
      .select()
      .from(loans)
      .where(
        and(
          input.loanId
            ? eq(loans.id, input.loanId)
            : eq(loans.applicationId, input.applicationId ?? ""),
          eq(loans.merchantId, input.merchantId),
        ),
      )
      .get();
    if (!loan) throw await missingLoan(tx, input);
    if (loan.status !== "funded") {
      throw new RefundError(
        "invalid_state",
        `The loan is ${loan.status}: only a funded loan can be refunded`,
      );
    }
    const taken = await tx
      .select({ total: sql<number>`coalesce(sum(${refunds.amountCents}), 0)` })
      .from(refunds)
      .where(and(eq(refunds.loanId, loan.id), ne(refunds.status, "failed")))
      .get();
    const remaining = loan.amountCents - Number(taken?.total ?? 0);
    if (input.amountCents > remaining) {
      throw new RefundError(
        "validation_failed",
        `amount_cents ${input.amountCents} is more than the ${remaining} left to refund on this loan`,
      );
    }
    const row: RefundRow = {
      id: newId("rf"),
      loanId: loan.id,
      applicationId: loan.applicationId,
      merchantId: loan.merchantId,
      amountCents: input.amountCents,
      reason,
      status: "pending",
      idempotencyKey: input.idempotencyKey,
      feeReturnedCents: null,
      createdAt: now,
      completedAt: null,
    };
    await tx.insert(refunds).values(row);
    // The lender call, in the same transaction: the refund cannot exist without it (outbox).
    await enqueue(tx, requestRefundJob, { refundId: row.id }, { key: row.id, keyMode: "dedupe" });
    await audit(tx, {
      actorType: input.actor?.actorType ?? "system",
      actorId: input.actor?.actorId ?? null,
      action: "refund.requested",
      entityType: "loan",
      entityId: loan.id,
      details: { refund_id: row.id, amount_cents: row.amountCents },
    });
    return { refund: row, replayed: false };
  });
}

/** No loan for the request: an application of this merchant without one is "not funded yet". */
async function missingLoan(tx: Tx, input: RefundRequest) {
  if (!input.applicationId) return new RefundError("not_found", `No loan ${input.loanId ?? ""}`);
  const application = await tx
    .select({ status: applications.status })
    .from(applications)
    .where(
      and(eq(applications.id, input.applicationId), eq(applications.merchantId, input.merchantId)),
    )
    .get();
  if (!application) return new RefundError("not_found", `No application ${input.applicationId}`);
  return new RefundError(
    "invalid_state",
    `The application is ${application.status}: only a funded loan can be refunded`,
  );
}

/**
 * The lender confirmed the refund: the ledger moves (the lender's receivable shrinks, the merchant
 * repays the refund less the proportional fee) in the same transaction as the refund's status.
 * A second confirmation finds it completed and does nothing.
 */
export async function completeRefund(database: Database, refundId: string, now = new Date()) {
  return database.write((tx) => completeRefundIn(tx, refundId, now));
}

/**
 * completeRefund inside the caller's transaction (the lender's `loan.refunded` event, ADR 053):
 * with the ledger, the application becomes `partially_refunded` or `refunded`, the borrower is
 * texted and e-mailed, the CRM gets its note and the audit log a record.
 */
export async function completeRefundIn(tx: Tx, refundId: string, now = new Date()) {
  const refund = await tx.select().from(refunds).where(eq(refunds.id, refundId)).get();
  if (!refund) throw new RefundError("not_found", `No refund ${refundId}`);
  if (refund.status === "completed") return { refund, alreadyCompleted: true };
  if (refund.status !== "pending") {
    throw new RefundError("invalid_state", `The refund is ${refund.status}`);
  }
  const loan = await tx.select().from(loans).where(eq(loans.id, refund.loanId)).get();
  if (!loan) throw new RefundError("not_found", `No loan ${refund.loanId}`);
  const before = await tx
    .select({
      refunded: sql<number>`coalesce(sum(${refunds.amountCents}), 0)`,
      feeReturned: sql<number>`coalesce(sum(${refunds.feeReturnedCents}), 0)`,
    })
    .from(refunds)
    .where(and(eq(refunds.loanId, loan.id), eq(refunds.status, "completed")))
    .get();
  const transaction = refundTransaction({
    loanId: loan.id,
    merchantId: loan.merchantId,
    lender: loan.lender,
    disbursedCents: loan.amountCents,
    merchantFeeCents: loan.merchantFeeCents,
    refundedBeforeCents: Number(before?.refunded ?? 0),
    feeReturnedBeforeCents: Number(before?.feeReturned ?? 0),
    refundCents: refund.amountCents,
  });
  await appendLedgerTransaction(tx, transaction, { sourceKey: `refund:${refund.id}`, now });
  const completed = {
    ...refund,
    status: "completed" as const,
    feeReturnedCents: transaction.feeReturnedCents,
    completedAt: now,
  };
  await tx
    .update(refunds)
    .set({
      status: "completed",
      feeReturnedCents: transaction.feeReturnedCents,
      completedAt: now,
    })
    .where(eq(refunds.id, refund.id));
  const refundedCents = Number(before?.refunded ?? 0) + refund.amountCents;
  const fully = refundedCents >= loan.amountCents;
  await tx
    .update(applications)
    .set({ status: fully ? "refunded" : "partially_refunded" })
    .where(
      and(
        eq(applications.id, loan.applicationId),
        inArray(applications.status, ["funded", "partially_refunded"]),
      ),
    );
  await tellBorrower(tx, loan.applicationId, refund.amountCents, fully);
  await enqueueCrmSync(tx, loan.applicationId, fully ? "refunded" : "partially_refunded");
  // Each confirmed refund is its own outbound event (a status change alone would miss the second).
  await emitMerchantEvent(tx, {
    merchantId: loan.merchantId,
    type: "loan.refunded",
    applicationId: loan.applicationId,
  });
  await audit(tx, {
    actorType: "system",
    actorId: `lender:${loan.lender}`,
    action: "refund.completed",
    entityType: "loan",
    entityId: loan.id,
    details: {
      refund_id: refund.id,
      amount_cents: refund.amountCents,
      fee_returned_cents: transaction.feeReturnedCents,
      refunded_cents: refundedCents,
    },
  });
  return { refund: completed, alreadyCompleted: false };
}

/** What the borrower reads by e-mail when a refund went through. */
export function refundEmailText(merchantName: string, amountCents: number, fully: boolean) {
  return [
    `${merchantName} refunded ${formatMoney(amountCents)} of the job you financed with FlowPay, and the lender has applied it to your loan.`,
    "",
    fully
      ? "Your loan is now closed: you owe nothing more on it, and no further payment will be taken."
      : "Your loan balance is lower by that amount. Your lender will send you the new payment schedule; until then, keep paying as agreed.",
    "",
    "Questions: reply to this e-mail.",
  ].join("\n");
}

async function tellBorrower(tx: Tx, applicationId: string, amountCents: number, fully: boolean) {
  await messageBorrower(tx, applicationId, ({ merchant }) => ({
    sms: { template: "refund_completed", merchantName: merchant.name, amountCents, fully },
    email: {
      template: "refund_completed",
      subject: `Your financing with ${merchant.name}: ${formatMoney(amountCents)} refunded`,
      text: refundEmailText(merchant.name, amountCents, fully),
    },
  }));
}

/** The refund sums of a loan: what was asked (pending or done) and what the lender confirmed. */
export async function refundTotals(reader: Pick<Tx, "select">, loanId: string) {
  const row = await reader
    .select({
      refunded: sql<number>`coalesce(sum(case when ${refunds.status} = 'completed' then ${refunds.amountCents} end), 0)`,
      pending: sql<number>`coalesce(sum(case when ${refunds.status} = 'pending' then ${refunds.amountCents} end), 0)`,
    })
    .from(refunds)
    .where(eq(refunds.loanId, loanId))
    .get();
  return { refundedCents: Number(row?.refunded ?? 0), pendingCents: Number(row?.pending ?? 0) };
}

export type RefundStep =
  { kind: "done"; lenderRefundId: string } | { kind: "skipped"; reason: string };

/**
 * The request-refund job: one call to the lender with `${refundId}:refund`. A retry (a timeout,
 * a crash between the call and its record) sends the same key, and the lender answers with the
 * refund it already made. A permanent refusal fails the refund (its amount is free again) and
 * dead-letters the job for FlowOps.
 */
export async function sendRefundToLender(
  database: Database,
  lenders: LenderRegistry,
  refundId: string,
  options: { signal?: AbortSignal } = {},
): Promise<RefundStep> {
  const refund = await database.db.select().from(refunds).where(eq(refunds.id, refundId)).get();
  if (!refund) throw new PermanentError(`No refund ${refundId}`);
  if (refund.status === "failed") return { kind: "skipped", reason: "the refund failed" };
  const loan = await database.db.select().from(loans).where(eq(loans.id, refund.loanId)).get();
  if (!loan?.lenderLoanId)
    throw new PermanentError(`Refund ${refundId}: its loan has no lender id`);
  const input: RefundInput = {
    idempotencyKey: `${refund.id}:refund`,
    lenderLoanId: loan.lenderLoanId,
    amountCents: refund.amountCents,
    reference: refund.id,
    reason: refund.reason,
  };
  let answer;
  try {
    answer = await callLender(database, loan, "refund_loan", input, () =>
      lenders.get(loan.lender).refundLoan(input, options.signal),
    );
  } catch (error) {
    if (isPartnerError(error) && error.permanent) await failRefund(database, refund.id, error);
    throw error;
  }
  const { result, record, durationMs } = answer;
  await database.write((tx) =>
    insertLenderTransaction(tx, {
      ...record,
      response: { refund_id: result.refundId, status: result.status },
      outcome: "ok",
      durationMs,
    }),
  );
  return { kind: "done", lenderRefundId: result.refundId };
}

async function failRefund(database: Database, refundId: string, error: Error) {
  await database.write(async (tx) => {
    const failed = await tx
      .update(refunds)
      .set({ status: "failed" })
      .where(and(eq(refunds.id, refundId), eq(refunds.status, "pending")))
      .returning({ loanId: refunds.loanId });
    if (failed.length === 0) return;
    await audit(tx, {
      actorType: "system",
      actorId: "refunds",
      action: "refund.failed",
      entityType: "loan",
      entityId: failed[0]!.loanId,
      details: { refund_id: refundId, error: error.message.slice(0, 300) },
    });
  });
}
