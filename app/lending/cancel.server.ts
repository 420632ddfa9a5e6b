/**
 * Cancellation of a signed application before the money moves (docs/product/merchants-and-money.md,
 * "Money after the signature"; ADR 055): by the merchant (the CRM API's cancel), the borrower
 * (their link's "Cancel this financing") or FlowOps (the application page). One transaction
 * cancels the loan and the application, revokes the borrower's links, queues the borrower's text
 * and e-mail and the CRM note, audits — and enqueues the `withdraw-loan` job that withdraws the
 * loan at the lender. Because the job is written with the cancellation (the outbox), a crash can
 * neither lose the withdrawal nor send it twice; its lender idempotency key `${loanId}:withdraw`
 * makes a retried call a replay, and withdrawing a loan the lender already canceled is a no-op.
 *
 * Once a disbursement has been requested (or a progress payment made) the loan is not canceled:
 * the answer is `invalid_state`, and the way back is a refund.
 */
import { and, eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { applications, loans } from "~/db/schema/index";
import type { ApplicationStatus } from "~/db/schema/applications";
import type { LenderRegistry, WithdrawInput } from "~/adapters/lender/index";
import { enqueue } from "~/jobs/enqueue.server";
import { PermanentError } from "~/jobs/errors";
import { withdrawLoanJob } from "~/jobs/handlers/withdraw-loan.definition";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { revokeLinks } from "~/app/borrower/links.server";
import { messageBorrower } from "~/app/borrower/message-borrower.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { callLender } from "./funding.server";
import { insertLenderTransaction } from "./lender-log.server";
import { IllegalTransitionError, loanTransition } from "./loan-state";

export type CanceledBy = "merchant" | "borrower" | "flowops";

/** Signed, the money not moved yet: what this module cancels (earlier statuses need no lender). */
export const signedCancelable: ReadonlySet<ApplicationStatus> = new Set<ApplicationStatus>([
  "offer_accepted",
  "pending_funding",
  "awaiting_completion",
]);

export class CancelError extends Error {
  override name = "CancelError";
  constructor(
    readonly code: "not_found" | "invalid_state",
    message: string,
  ) {
    super(message);
  }
}

export type CancelInput = {
  applicationId: string;
  /** The merchant's scope (CRM API): another merchant's application is not found. */
  merchantId?: string;
  by: CanceledBy;
  reason?: string | null;
  actor: Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;
  now?: Date;
};

const byWhom: Record<CanceledBy, string> = {
  merchant: "the business",
  borrower: "you",
  flowops: "FlowPay",
};

/** What the borrower reads by e-mail. */
export function canceledEmailText(merchantName: string, by: CanceledBy) {
  return [
    `Your financing for the job with ${merchantName} was canceled by ${byWhom[by]} before any money was paid out.`,
    "",
    "The loan will not be made: you owe nothing on it, and no payment will be taken. The agreement you signed is not in effect.",
    by === "borrower"
      ? `If you still want the work done, please arrange another way to pay ${merchantName}.`
      : `Questions about the job: please contact ${merchantName}.`,
  ].join("\n");
}

/**
 * Cancels a signed application whose money has not moved, inside the caller's transaction.
 * Returns false when it was already canceled.
 */
export async function cancelSignedIn(tx: Tx, input: CancelInput): Promise<boolean> {
  const now = input.now ?? new Date();
  const application = await tx
    .select()
    .from(applications)
    .where(
      and(
        eq(applications.id, input.applicationId),
        ...(input.merchantId ? [eq(applications.merchantId, input.merchantId)] : []),
      ),
    )
    .get();
  if (!application) throw new CancelError("not_found", `No application ${input.applicationId}`);
  if (application.status === "canceled") return false;
  if (!signedCancelable.has(application.status)) {
    throw new CancelError(
      "invalid_state",
      `An application that is ${application.status} cannot be canceled${application.status === "funded" || application.status === "partially_refunded" ? "; refund it instead" : ""}`,
    );
  }
  const loan = await tx.select().from(loans).where(eq(loans.applicationId, application.id)).get();
  if (loan) {
    const paidOut =
      Boolean(loan.disbursementId) ||
      ("upfrontDisbursementId" in loan && Boolean(loan.upfrontDisbursementId));
    if (paidOut) {
      throw new CancelError(
        "invalid_state",
        "The disbursement to the business has already been requested; refund the loan instead",
      );
    }
    try {
      if (loanTransition(loan.status, "canceled").kind === "already") return false;
    } catch (error) {
      if (error instanceof IllegalTransitionError) {
        throw new CancelError("invalid_state", `A ${loan.status} loan cannot be canceled`);
      }
      throw error;
    }
    await tx
      .update(loans)
      .set({ status: "canceled" })
      .where(and(eq(loans.id, loan.id), eq(loans.status, loan.status)));
    // Withdrawn at the lender by the outbox; a loan not booked there yet is withdrawn by
    // create-loan when the lender's answer arrives (funding.server.ts).
    if (loan.lenderLoanId) await enqueueWithdrawal(tx, loan.id);
  }
  await tx
    .update(applications)
    .set({ status: "canceled", canceledAt: now })
    .where(eq(applications.id, application.id));
  await revokeLinks(tx, application.id, now.getTime());
  await messageBorrower(tx, application.id, ({ merchant }) => ({
    sms: { template: "financing_canceled", merchantName: merchant.name, by: input.by },
    email: {
      template: "financing_canceled",
      subject: `Your financing with ${merchant.name} was canceled`,
      text: canceledEmailText(merchant.name, input.by),
    },
  }));
  await enqueueCrmSync(tx, application.id, "canceled");
  await audit(tx, {
    ...input.actor,
    // The borrower's own cancel has its own action: their link's 410 page says "you canceled".
    action: input.by === "borrower" ? "application.borrower_cancel" : "application.cancel_signed",
    entityType: "application",
    entityId: application.id,
    details: {
      by: input.by,
      from_status: application.status,
      loan_id: loan?.id ?? null,
      reason: input.reason ?? null,
    },
  });
  return true;
}

export async function cancelSigned(database: Database, input: CancelInput) {
  return database.write((tx) => cancelSignedIn(tx, input));
}

/** The withdraw-loan job for a canceled loan, once per loan (keyed; ADR 012's dedupe). */
export function enqueueWithdrawal(tx: Tx, loanId: string) {
  return enqueue(tx, withdrawLoanJob, { loanId }, { key: loanId, keyMode: "dedupe" });
}

export type WithdrawStep = { kind: "done"; status: string } | { kind: "skipped"; reason: string };

/** A booking an amount change replaced (ADR 054): withdrawn by its own id, whatever the loan is now. */
export type SupersededBooking = { lender: string; lenderLoanId: string; attempt: number };

/**
 * The withdraw-loan job: one call with `${loanId}:withdraw` (a replay on every retry) — or, for a
 * booking an amount change superseded, `${loanId}:withdraw:${attempt}`.
 */
export async function withdrawAtLender(
  database: Database,
  lenders: LenderRegistry,
  loanId: string,
  options: { signal?: AbortSignal; superseded?: SupersededBooking } = {},
): Promise<WithdrawStep> {
  const loan = await database.db.select().from(loans).where(eq(loans.id, loanId)).get();
  if (!loan) throw new PermanentError(`No loan ${loanId}`);
  const old = options.superseded;
  if (!old && loan.status !== "canceled") {
    return { kind: "skipped", reason: `the loan is ${loan.status}` };
  }
  const lenderLoanId = old?.lenderLoanId ?? loan.lenderLoanId;
  if (!lenderLoanId) return { kind: "skipped", reason: "never booked at the lender" };
  const lender = old?.lender ?? loan.lender;
  const input: WithdrawInput = {
    idempotencyKey: old ? `${loan.id}:withdraw:${old.attempt}` : `${loan.id}:withdraw`,
    lenderLoanId,
    reason: old ? "replaced after an amount change" : "canceled before disbursement",
  };
  const { result, record, durationMs } = await callLender(
    database,
    { ...loan, lender },
    "withdraw_loan",
    input,
    () => lenders.get(lender).withdrawLoan(input, options.signal),
  );
  await database.write((tx) =>
    insertLenderTransaction(tx, {
      ...record,
      response: { status: result.status },
      outcome: "ok",
      durationMs,
    }),
  );
  return { kind: "done", status: result.status };
}
