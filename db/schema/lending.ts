import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { cents, json, reference, timestamp, timestamps } from "./columns";
import { compressedJson } from "./compressed";
import { applications } from "./applications";
import { merchants } from "./merchants";
import { offers } from "./decisioning";

export const loanStatuses = [
  "pending_funding",
  "funded",
  "canceled",
  "lender_declined",
  /** Signed and booked at the lender; the (rest of the) disbursement waits for the job (ADR 050). */
  "awaiting_completion",
] as const;

export const loans = sqliteTable(
  "loans",
  {
    id: text("id").primaryKey(),
    applicationId: text("application_id")
      .notNull()
      .unique()
      .references(() => applications.id),
    offerId: reference("offer_id", () => offers.id),
    merchantId: reference("merchant_id", () => merchants.id),
    lender: text("lender").notNull(),
    lenderLoanId: text("lender_loan_id").unique(),
    disbursementId: text("disbursement_id"),
    status: text("status", { enum: loanStatuses }).notNull().default("pending_funding"),
    principalCents: cents("principal_cents").notNull(),
    amountCents: cents("amount_cents").notNull(),
    merchantFeeCents: cents("merchant_fee_cents").notNull(),
    disbursementCents: cents("disbursement_cents").notNull(),
    fundedAmountCents: cents("funded_amount_cents"),
    fundedAt: timestamp("funded_at"),
    /** The lender's refusal (ADR 032): its code and message, and when; cleared by a reroute. */
    declineCode: text("decline_code"),
    declineMessage: text("decline_message"),
    declinedAt: timestamp("declined_at"),
    /** 1, then +1 per reroute to another lender: part of the create/disburse idempotency keys. */
    attempt: integer("attempt").notNull().default(1),
    /** Stored compressed (ADR 085). */
    paymentSchedule: compressedJson<unknown[]>("payment_schedule").notNull(),
    /**
     * Funding on completion (ADR 050). `upfrontCents`: the part of `amountCents` paid at signature
     * (progress payments; 0 = none), disbursed as `upfrontDisbursementId`. `releasedCents`: the
     * part of `amountCents` the lender has paid out so far. `completionMarkedAt`: the merchant said
     * the job is done; `releasedAt`: the borrower (or the 7-day timer, or FlowOps) released the
     * rest; `releasePausedAt`: the borrower reported a problem (a FlowOps review holds it).
     */
    upfrontCents: cents("upfront_cents").notNull().default(0),
    upfrontDisbursementId: text("upfront_disbursement_id"),
    releasedCents: cents("released_cents").notNull().default(0),
    completionMarkedAt: timestamp("completion_marked_at"),
    releasedAt: timestamp("released_at"),
    releasePausedAt: timestamp("release_paused_at"),
    ...timestamps,
  },
  (t) => [
    index("loans_status_idx").on(t.status),
    index("loans_funded_idx")
      .on(t.fundedAt, t.fundedAmountCents)
      .where(sql`funded_at IS NOT NULL`),
    // Loans written before compression, for the compaction of old rows (ADR 085).
    index("loans_uncompressed_idx")
      .on(t.id)
      .where(sql`typeof(payment_schedule) = 'text'`),
  ],
);

/** Every call to a lender and every lender event, for reconciliation. */
export const lenderTransactions = sqliteTable(
  "lender_transactions",
  {
    id: text("id").primaryKey(),
    loanId: text("loan_id").references(() => loans.id),
    applicationId: text("application_id").references(() => applications.id),
    lender: text("lender").notNull(),
    operation: text("operation").notNull(),
    idempotencyKey: text("idempotency_key"),
    request: json<unknown>("request"),
    response: json<unknown>("response"),
    statusCode: integer("status_code"),
    outcome: text("outcome", { enum: ["ok", "error", "event"] }).notNull(),
    durationMs: integer("duration_ms"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    index("lender_tx_loan_idx").on(t.loanId),
    // Retention's lender_calls rule (ADR 090): our own calls only — the lender's events stay for
    // good, and a walk over them would grow with every loan ever made.
    index("lender_tx_calls_idx")
      .on(t.createdAt)
      .where(sql`outcome IN ('ok', 'error')`),
  ],
);
