import { and, eq, ne, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { loans, refunds } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
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
 *   proportion.
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
  loanId: string;
  amountCents: number;
  reason: string;
  idempotencyKey: string;
  actor?: { actorType: "api_key" | "operator" | "system"; actorId?: string | null };
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
      if (earlier.loanId !== input.loanId || earlier.amountCents !== input.amountCents) {
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
      .where(and(eq(loans.id, input.loanId), eq(loans.merchantId, input.merchantId)))
      .get();
    if (!loan) throw new RefundError("not_found", `No loan ${input.loanId}`);
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

/**
 * The lender confirmed the refund: the ledger moves (the lender's receivable shrinks, the merchant
 * repays the refund less the proportional fee) in the same transaction as the refund's status.
 * A second confirmation finds it completed and does nothing.
 */
export async function completeRefund(database: Database, refundId: string, now = new Date()) {
  return database.write(async (tx) => {
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
    return { refund: completed, alreadyCompleted: false };
  });
}
