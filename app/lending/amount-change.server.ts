/**
 * Changing the amount of an approved or signed application before any money moves
 * (docs/product/merchants-and-money.md, "Money after the signature"; ADR 054):
 *
 * - **within the approved maximum** (the tier's and the merchant's) and still affordable: the
 *   amount is priced again under the same decision (repricing.server.ts: new Truth-in-Lending
 *   figures from the engine's own money and APR code), the application goes back to `approved`,
 *   and the borrower gets a fresh link to review and sign the new agreement. Lower or higher is
 *   the same path: the disclosure changes, so the signature must too.
 * - **above it** (or nothing affordable): a new decision — the application goes to `manual_review`
 *   with the new amount, where an underwriter decides (approving prices the new amount).
 *
 * Either way the agreement already signed stays on file, marked superseded, and a loan the lender
 * already booked is withdrawn there through the outbox (a new booking follows the new signature,
 * with the next attempt number, so new idempotency keys). Once a disbursement has been requested
 * the answer is `invalid_state`: the way back is a refund.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import {
  applications,
  decisions,
  documents,
  loans,
  manualReviews,
  merchants,
} from "~/db/schema/index";
import type { ApplicationStatus } from "~/db/schema/applications";
import { enqueue } from "~/jobs/enqueue.server";
import { withdrawLoanJob } from "~/jobs/handlers/withdraw-loan.definition";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { issueLink, revokeLinks } from "~/app/borrower/links.server";
import { applicationParty } from "~/app/borrower/party.server";
import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { recordRepricedDecision, repriceDecision } from "~/app/decisioning/repricing.server";
import { merchantTerms } from "~/app/decisioning/inputs";
import { queueEmail } from "~/app/messaging/email.server";
import { isOptedOut, queueSms } from "~/app/messaging/sms.server";
import { formatMoney } from "~/app/money/dollars";

/** Approved or signed, the money not moved yet. */
export const amountChangeable: ReadonlySet<ApplicationStatus> = new Set<ApplicationStatus>([
  "approved",
  "offer_accepted",
  "pending_funding",
  "awaiting_completion",
]);

export class AmountChangeError extends Error {
  override name = "AmountChangeError";
  constructor(
    readonly code: "not_found" | "invalid_state",
    message: string,
  ) {
    super(message);
  }
}

export type AmountChange = {
  applicationId: string;
  status: ApplicationStatus;
  amountCents: number;
  previousAmountCents: number;
  outcome: "resign" | "new_decision" | "unchanged";
  applyUrl: string | null;
  smsStatus: "queued" | "suppressed_opted_out" | null;
};

type Application = typeof applications.$inferSelect;

async function scoped(reader: Database["db"] | Tx, merchantId: string, applicationId: string) {
  return reader
    .select()
    .from(applications)
    .where(and(eq(applications.id, applicationId), eq(applications.merchantId, merchantId)))
    .get();
}

function refuseUnlessChangeable(application: Application | undefined, id: string) {
  if (!application) throw new AmountChangeError("not_found", `No application ${id}`);
  if (!amountChangeable.has(application.status)) {
    throw new AmountChangeError(
      "invalid_state",
      application.status === "funded" || application.status === "partially_refunded"
        ? "The loan is funded: the amount cannot change; refund the difference instead"
        : `The amount of an application that is ${application.status} cannot change${["link_sent", "in_progress", "submitted"].includes(application.status) ? " (before a decision, send offer-financing with the new amount: it replaces the application)" : ""}`,
    );
  }
  return application;
}

/** The borrower's e-mail when the amount changed and they must sign again. */
export function amountChangedEmailText(
  merchantName: string,
  fromCents: number,
  toCents: number,
  url: string | null,
) {
  return [
    `${merchantName} changed the amount of your financing from ${formatMoney(fromCents)} to ${formatMoney(toCents)}.`,
    "",
    url
      ? `Your loan terms were recalculated for the new amount. Nothing is paid until you review and sign the new agreement: ${url} (link valid 24 hours).`
      : "The new amount is above what you were approved for, so a FlowPay specialist reviews it (usually within 1 business day). We'll text you when it is decided.",
    "",
    "The agreement you signed before is no longer in effect; we keep it on file.",
  ].join("\n");
}

export async function changeAmount(
  database: Database,
  input: {
    merchantId: string;
    applicationId: string;
    amountCents: number;
    actor: Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;
    now?: Date;
  },
): Promise<AmountChange> {
  const now = input.now ?? new Date();
  // Priced outside the write transaction (reads and CPU); the transaction checks nothing moved.
  const first = refuseUnlessChangeable(
    await scoped(database.db, input.merchantId, input.applicationId),
    input.applicationId,
  );
  const unchanged = (application: Application): AmountChange => ({
    applicationId: application.id,
    status: application.status,
    amountCents: application.amountCents,
    previousAmountCents: application.amountCents,
    outcome: "unchanged",
    applyUrl: null,
    smsStatus: null,
  });
  if (first.amountCents === input.amountCents) return unchanged(first);
  const decision = await database.db
    .select()
    .from(decisions)
    .where(and(eq(decisions.applicationId, first.id), eq(decisions.status, "approved")))
    .orderBy(desc(decisions.decidedAt))
    .get();
  if (!decision) {
    throw new AmountChangeError("invalid_state", "The application has no approval to re-price");
  }
  const merchant = await database.db
    .select()
    .from(merchants)
    .where(eq(merchants.id, first.merchantId))
    .get();
  if (!merchant) throw new AmountChangeError("not_found", `No application ${first.id}`);
  const repriced = await repriceDecision(database, decision, input.amountCents, {
    monthlyIncomeCents: first.monthlyIncomeCents,
    merchant: merchantTerms(merchant),
  });

  return database.write(async (tx) => {
    const application = refuseUnlessChangeable(
      await scoped(tx, input.merchantId, input.applicationId),
      input.applicationId,
    );
    if (application.amountCents === input.amountCents) return unchanged(application);
    const party = await applicationParty(tx, application.id);
    if (!party) throw new AmountChangeError("not_found", `No application ${application.id}`);
    if (application.status !== first.status) {
      throw new AmountChangeError("invalid_state", "The application changed meanwhile; try again");
    }
    await releaseBooking(tx, application.id);
    await tx
      .update(documents)
      .set({ supersededAt: now })
      .where(
        and(
          eq(documents.applicationId, application.id),
          eq(documents.kind, "agreement"),
          isNull(documents.supersededAt),
        ),
      );
    const previousAmountCents = application.amountCents;
    const optedOut = await isOptedOut(tx, party.customer.phone);
    let status: ApplicationStatus;
    let url: string | null = null;
    if (repriced.kind === "offers") {
      await recordRepricedDecision(tx, {
        applicationId: application.id,
        from: decision,
        fromAmountCents: previousAmountCents,
        amountCents: input.amountCents,
        offers: repriced.offers,
        now,
      });
      status = "approved";
      // A fresh link: the old one may have expired since the signature.
      await revokeLinks(tx, application.id, now.getTime());
      url = (await issueLink(tx, application.id, now.getTime())).url;
    } else {
      status = "manual_review";
      await tx.insert(manualReviews).values({
        id: newId("mr"),
        applicationId: application.id,
        decisionId: decision.id,
        reason:
          repriced.reason === "above_approved_maximum" ? "amount_above_approval" : repriced.reason,
        priority: 1,
        status: "pending",
      });
      await enqueueCrmSync(tx, application.id, "manual_review");
    }
    await tx
      .update(applications)
      .set({ amountCents: input.amountCents, status, selectedOfferId: null })
      .where(eq(applications.id, application.id));
    await queueSms(
      tx,
      {
        to: party.customer.phone,
        applicationId: application.id,
        merchantId: party.merchant.id,
        template: "amount_changed",
        merchantName: party.merchant.name,
        amountCents: input.amountCents,
        url,
      },
      { optedOut },
    );
    if (party.customer.email) {
      await queueEmail(tx, {
        to: party.customer.email,
        template: "amount_changed",
        subject: `Your financing with ${party.merchant.name}: the amount changed to ${formatMoney(input.amountCents)}`,
        text: amountChangedEmailText(
          party.merchant.name,
          previousAmountCents,
          input.amountCents,
          url,
        ),
        applicationId: application.id,
        merchantId: party.merchant.id,
      });
    }
    await audit(tx, {
      ...input.actor,
      action: "application.amount_change",
      entityType: "application",
      entityId: application.id,
      details: {
        from_amount_cents: previousAmountCents,
        amount_cents: input.amountCents,
        from_status: application.status,
        outcome: repriced.kind === "offers" ? "resign" : repriced.reason,
      },
    });
    return {
      applicationId: application.id,
      status,
      amountCents: input.amountCents,
      previousAmountCents,
      outcome: repriced.kind === "offers" ? "resign" : "new_decision",
      applyUrl: url,
      smsStatus: optedOut ? "suppressed_opted_out" : "queued",
    };
  });
}

/**
 * The loan row, if the borrower signed: back to waiting for a signature with the next attempt
 * (new lender keys), its booking at the lender withdrawn by the outbox. Refused once a
 * disbursement was requested, or while the lender is booking it (its answer would name the old
 * amount).
 */
async function releaseBooking(tx: Tx, applicationId: string) {
  const loan = await tx.select().from(loans).where(eq(loans.applicationId, applicationId)).get();
  if (!loan) return;
  const paidOut =
    loan.status === "funded" ||
    Boolean(loan.disbursementId) ||
    ("upfrontDisbursementId" in loan && Boolean(loan.upfrontDisbursementId));
  if (paidOut) {
    throw new AmountChangeError(
      "invalid_state",
      "The disbursement has already been requested: the amount cannot change; refund the difference instead",
    );
  }
  if (loan.status === "canceled" || loan.status === "lender_declined") {
    throw new AmountChangeError("invalid_state", `The loan is ${loan.status}`);
  }
  if (!loan.lenderLoanId) {
    throw new AmountChangeError(
      "invalid_state",
      "The lender is booking the loan right now; try again in a minute",
    );
  }
  await enqueue(
    tx,
    withdrawLoanJob,
    {
      loanId: loan.id,
      superseded: { lender: loan.lender, lenderLoanId: loan.lenderLoanId, attempt: loan.attempt },
    },
    { key: `${loan.id}:withdraw:${loan.attempt}`, keyMode: "dedupe" },
  );
  await tx
    .update(loans)
    .set({ status: "pending_funding", lenderLoanId: null, attempt: loan.attempt + 1 })
    .where(eq(loans.id, loan.id));
}
