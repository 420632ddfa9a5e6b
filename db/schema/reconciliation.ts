import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { cents, timestamp } from "./columns";

/**
 * The daily reconciliation of each lender's settlement report with the ledger
 * (app/lending/reconciliation.server.ts, ADR 056): one run per lender and settlement date (a
 * re-run of the same date updates it), and one item per difference found, which a person in
 * FlowOps looks at and resolves with a note. Nothing here corrects the ledger: a correction is a
 * new balancing ledger transaction, made on purpose.
 */
export const reconciliationRuns = sqliteTable(
  "reconciliation_runs",
  {
    id: text("id").primaryKey(),
    lender: text("lender").notNull(),
    /** The lender's settlement date, YYYY-MM-DD (UTC). */
    settlementDate: text("settlement_date").notNull(),
    reportLines: integer("report_lines").notNull(),
    ledgerMovements: integer("ledger_movements").notNull(),
    differences: integer("differences").notNull(),
    /** What the lender's report says it moved that day (its summary line). */
    lenderNetCents: cents("lender_net_cents").notNull(),
    completedAt: timestamp("completed_at").notNull(),
  },
  (t) => [uniqueIndex("reconciliation_runs_lender_date_idx").on(t.lender, t.settlementDate)],
);

export const reconciliationItemStatuses = ["open", "resolved"] as const;

export const reconciliationItems = sqliteTable(
  "reconciliation_items",
  {
    id: text("id").primaryKey(),
    lender: text("lender").notNull(),
    settlementDate: text("settlement_date").notNull(),
    /** Our loan id (the lender's report echoes it as external_loan_id). */
    loanId: text("loan_id").notNull(),
    /** The ledger's merchant of the loan, when we know the loan. */
    merchantId: text("merchant_id"),
    kind: text("kind", { enum: ["disbursement", "refund"] }).notNull(),
    issue: text("issue", {
      enum: ["missing_in_ledger", "missing_at_lender", "amount_mismatch"],
    }).notNull(),
    /** The lender's side (null: nothing reported). */
    lenderCents: cents("lender_cents"),
    /** The ledger's side (null: nothing posted). */
    ledgerCents: cents("ledger_cents"),
    status: text("status", { enum: reconciliationItemStatuses }).notNull().default("open"),
    resolutionNote: text("resolution_note"),
    resolvedBy: text("resolved_by"),
    resolvedAt: timestamp("resolved_at"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    // One item per difference: a job that runs twice (it runs at least once) finds the row.
    uniqueIndex("reconciliation_items_difference_idx").on(
      t.lender,
      t.settlementDate,
      t.loanId,
      t.kind,
    ),
    index("reconciliation_items_queue_idx").on(t.status, t.createdAt),
  ],
);
