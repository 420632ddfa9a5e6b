/**
 * A lender that refuses a signed loan (ADR 032). The refusal ends the application as
 * `lender_declined` at once — never "pending funding" forever, and never only a dead job:
 *
 * - `recordLenderDecline` (the create-loan job, when the lender answers `rejected`): in one
 *   transaction the loan and the application become `lender_declined` with the lender's reason,
 *   the call is logged, the borrower is texted and e-mailed what happens next, the CRM gets a
 *   note, and the audit log a record. The job then completes.
 * - FlowOps then either reroutes the application to another configured lender
 *   (`rerouteApplication`: the creditor changes, so the borrower signs again — the application
 *   goes back to `approved` with a fresh link — and the loan row is reused with the next attempt
 *   number, hence new idempotency keys) or cancels it (`cancelLenderDeclined`). Both audited.
 */
import { and, eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { applications, loans } from "~/db/schema/index";
import type { LenderRejection } from "~/adapters/lender/index";
import { audit } from "~/app/audit/audit.server";
import { issueLink } from "~/app/borrower/links.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { creditorFor } from "./lenders.server";
import { insertLenderTransaction, type LenderCallRecord } from "./lender-log.server";
import { loanTransition } from "./loan-state";
import { messageBorrower } from "~/app/borrower/message-borrower.server";

type Loan = typeof loans.$inferSelect;

/** When the lender gives no reason: still specific enough for FlowOps and the borrower. */
const unexplained: LenderRejection = {
  code: "not_given",
  message: "The lender refused the loan without giving a reason.",
};

/** What the borrower reads by e-mail (and, in substance, on their page). */
export function lenderDeclinedEmailText(merchantName: string): string {
  return [
    `The lending partner that was to fund your loan for ${merchantName} could not approve it after you signed.`,
    "",
    "What this means for you:",
    "- The loan was not made: you owe nothing on it, and no payment will be taken.",
    `- ${merchantName} has not been paid through FlowPay for this job.`,
    "- Within 1 business day FlowPay will either find another lending partner — then we text you a link to review and sign a new agreement with that lender — or close the application and tell you.",
    "",
    "You do not need to do anything now. Questions: reply to this e-mail.",
  ].join("\n");
}

/**
 * The create-loan job's answer to a `rejected` loan: everything in one transaction. Returns
 * false when the loan had already moved on (a retried job), so nothing is written twice.
 */
export async function recordLenderDecline(
  database: Database,
  loan: Loan,
  rejection: LenderRejection | null,
  record: Omit<LenderCallRecord, "outcome">,
): Promise<boolean> {
  const reason = rejection ?? unexplained;
  const now = new Date();
  return database.write(async (tx) => {
    const current = await tx.select().from(loans).where(eq(loans.id, loan.id)).get();
    if (!current || loanTransition(current.status, "lender_declined").kind === "already") {
      return false;
    }
    await tx
      .update(loans)
      .set({
        status: "lender_declined",
        declineCode: reason.code,
        declineMessage: reason.message,
        declinedAt: now,
      })
      .where(and(eq(loans.id, loan.id), eq(loans.status, "pending_funding")));
    await tx
      .update(applications)
      .set({ status: "lender_declined" })
      .where(
        and(eq(applications.id, loan.applicationId), eq(applications.status, "pending_funding")),
      );
    await insertLenderTransaction(tx, { ...record, outcome: "ok" });
    await messageBorrower(tx, loan.applicationId, ({ merchant }) => ({
      sms: { template: "lender_declined", merchantName: merchant.name },
      email: {
        template: "lender_declined",
        subject: `Your financing with ${merchant.name}: the lender could not fund it`,
        text: lenderDeclinedEmailText(merchant.name),
      },
    }));
    await enqueueCrmSync(tx, loan.applicationId, "lender_declined");
    await audit(tx, {
      actorType: "system",
      actorId: `lender:${loan.lender}`,
      action: "loan.lender_declined",
      entityType: "loan",
      entityId: loan.id,
      details: {
        application_id: loan.applicationId,
        lender: loan.lender,
        code: reason.code,
        message: reason.message,
        attempt: loan.attempt,
      },
    });
    return true;
  });
}

export type Operator = { id: string; ip?: string | null; userAgent?: string | null };

export class LenderDeclineActionError extends Error {
  override name = "LenderDeclineActionError";
}

async function declinedLoan(tx: Tx, applicationId: string) {
  const loan = await tx.select().from(loans).where(eq(loans.applicationId, applicationId)).get();
  const application = await tx
    .select()
    .from(applications)
    .where(eq(applications.id, applicationId))
    .get();
  if (!loan || !application || application.status !== "lender_declined") {
    throw new LenderDeclineActionError("The application is no longer declined by its lender.");
  }
  return { loan, application };
}

/**
 * FlowOps: send the application to another configured lender. The creditor changes, so the
 * borrower must sign a new agreement naming it: the application returns to `approved` (same
 * decision, same offers), a fresh link is texted, and the next signature creates the loan at
 * `lender` with attempt n+1's idempotency keys.
 */
export async function rerouteApplication(
  database: Database,
  input: { applicationId: string; lender: string; configured: readonly string[] },
  operator: Operator,
) {
  if (!input.configured.includes(input.lender)) {
    throw new LenderDeclineActionError(`No lender named ${input.lender} is configured.`);
  }
  const creditor = creditorFor(input.lender);
  return database.write(async (tx) => {
    const { loan, application } = await declinedLoan(tx, input.applicationId);
    if (loan.lender === input.lender) {
      throw new LenderDeclineActionError(`${input.lender} has just declined this loan.`);
    }
    loanTransition(loan.status, "rerouted");
    await tx
      .update(loans)
      .set({
        status: "pending_funding",
        lender: input.lender,
        attempt: loan.attempt + 1,
        lenderLoanId: null,
        disbursementId: null,
        declineCode: null,
        declineMessage: null,
        declinedAt: null,
      })
      .where(and(eq(loans.id, loan.id), eq(loans.status, "lender_declined")));
    await tx
      .update(applications)
      .set({ status: "approved", selectedOfferId: null })
      .where(eq(applications.id, application.id));
    const link = await issueLink(tx, application.id);
    await enqueueCrmSync(tx, application.id, "lender_rerouted");
    await messageBorrower(tx, application.id, ({ merchant }) => ({
      sms: {
        template: "lender_rerouted",
        merchantName: merchant.name,
        creditorName: creditor.legalName,
        url: link.url,
      },
    }));
    await audit(tx, {
      actorType: "operator",
      actorId: operator.id,
      action: "application.lender_reroute",
      entityType: "application",
      entityId: application.id,
      ip: operator.ip ?? null,
      userAgent: operator.userAgent ?? null,
      details: {
        loan_id: loan.id,
        from_lender: loan.lender,
        to_lender: input.lender,
        declined_code: loan.declineCode,
        attempt: loan.attempt + 1,
      },
    });
    return { status: "approved" as const, applyUrl: link.url };
  });
}

/** FlowOps: no other lender will take it — close the application (audited) and tell everyone. */
export async function cancelLenderDeclined(
  database: Database,
  input: { applicationId: string; reason: string },
  operator: Operator,
) {
  const now = new Date();
  return database.write(async (tx) => {
    const { loan, application } = await declinedLoan(tx, input.applicationId);
    loanTransition(loan.status, "canceled");
    await tx
      .update(loans)
      .set({ status: "canceled" })
      .where(and(eq(loans.id, loan.id), eq(loans.status, "lender_declined")));
    await tx
      .update(applications)
      .set({ status: "canceled", canceledAt: now })
      .where(eq(applications.id, application.id));
    // Links are not revoked: the borrower's link answers 410 "No lender could fund this loan"
    // (resolveLink reads the loan's decline), not "the business canceled".
    await messageBorrower(tx, application.id, ({ merchant }) => ({
      sms: { template: "lender_declined_canceled", merchantName: merchant.name },
    }));
    await enqueueCrmSync(tx, application.id, "canceled");
    await audit(tx, {
      actorType: "operator",
      actorId: operator.id,
      action: "application.lender_declined_cancel",
      entityType: "application",
      entityId: application.id,
      ip: operator.ip ?? null,
      userAgent: operator.userAgent ?? null,
      details: { loan_id: loan.id, lender: loan.lender, reason: input.reason },
    });
    return { status: "canceled" as const };
  });
}
