import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { cents, timestamp } from "./columns";

/**
 * The money ledger (app/lending/ledger.ts): append-only double-entry lines, each transaction's
 * lines summing to zero. A migration's triggers refuse UPDATE and DELETE. Balances are sums.
 */
export const ledgerEntries = sqliteTable(
  "ledger_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Groups the balanced lines of one movement of money. */
    transactionId: text("transaction_id").notNull(),
    kind: text("kind", {
      enum: ["disbursement", "refund", "lender_settlement", "payout", "clawback"],
    }).notNull(),
    account: text("account").notNull(),
    /** Debit positive, credit negative. */
    amountCents: cents("amount_cents").notNull(),
    merchantId: text("merchant_id"),
    lender: text("lender"),
    loanId: text("loan_id"),
    /** What caused it (a lender event id, a refund id): one movement per cause, never two. */
    sourceKey: text("source_key"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    // Balances by merchant read only this index (covering: account, kind and amount inside).
    index("ledger_merchant_balance_idx").on(t.merchantId, t.account, t.kind, t.amountCents),
    index("ledger_loan_idx").on(t.loanId, t.kind),
    // A lender's movements of a day (the daily reconciliation) read only this index.
    index("ledger_lender_movements_idx").on(
      t.lender,
      t.account,
      t.createdAt,
      t.kind,
      t.loanId,
      t.amountCents,
    ),
    index("ledger_transaction_idx").on(t.transactionId),
    // A cause (a lender's funding event, a refund) moves money once: a replayed job cannot
    // post its lines twice.
    uniqueIndex("ledger_source_key_idx")
      .on(t.sourceKey, t.account)
      .where(sql`source_key IS NOT NULL`),
  ],
);

/**
 * Refunds after funding (docs/product/merchants-and-money.md): requested by the merchant, confirmed
 * by the lender. Their sum per loan never exceeds what was funded (checked in the requesting
 * transaction, which the write queue serializes); the ledger moves on confirmation.
 */
export const refunds = sqliteTable(
  "refunds",
  {
    id: text("id").primaryKey(),
    loanId: text("loan_id").notNull(),
    applicationId: text("application_id").notNull(),
    merchantId: text("merchant_id").notNull(),
    amountCents: cents("amount_cents").notNull(),
    reason: text("reason").notNull(),
    status: text("status", { enum: ["pending", "completed", "failed"] })
      .notNull()
      .default("pending"),
    /** The merchant's Idempotency-Key: the same key answers with the same refund. */
    idempotencyKey: text("idempotency_key").notNull(),
    feeReturnedCents: cents("fee_returned_cents"),
    createdAt: timestamp("created_at").notNull(),
    completedAt: timestamp("completed_at"),
  },
  (t) => [
    uniqueIndex("refunds_idempotency_idx").on(t.merchantId, t.idempotencyKey),
    index("refunds_loan_idx").on(t.loanId, t.status),
  ],
);
