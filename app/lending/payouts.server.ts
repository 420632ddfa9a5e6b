import { and, asc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { ledgerEntries, loans, merchants } from "~/db/schema/index";
import { accounts, type LedgerKind } from "./ledger";
import {
  buildStatement,
  computePayouts,
  monthWindow,
  statementCsv,
  type MerchantLedgerTransaction,
  type MerchantPayouts,
  type MonthlyStatement,
} from "./payouts";
import { renderStatementPdf } from "./payouts-pdf.server";

/**
 * A merchant's payouts and monthly statements, read from the ledger (ADR 057). The merchant
 * portal renders them; the caller scopes the merchant (these functions trust `merchantId`).
 */

/** The merchant's ledger transactions (all their lines), with each loan's application id. */
async function merchantTransactions(
  database: Database,
  merchantId: string,
  window?: { from: Date; to: Date },
  kinds?: readonly LedgerKind[],
): Promise<MerchantLedgerTransaction[]> {
  const rows = await database.db
    .select({
      transactionId: ledgerEntries.transactionId,
      kind: ledgerEntries.kind,
      account: ledgerEntries.account,
      amountCents: ledgerEntries.amountCents,
      loanId: ledgerEntries.loanId,
      createdAt: ledgerEntries.createdAt,
      applicationId: loans.applicationId,
    })
    .from(ledgerEntries)
    .leftJoin(loans, eq(loans.id, ledgerEntries.loanId))
    .where(
      and(
        eq(ledgerEntries.merchantId, merchantId),
        ...(window
          ? [gte(ledgerEntries.createdAt, window.from), lt(ledgerEntries.createdAt, window.to)]
          : []),
        ...(kinds ? [inArray(ledgerEntries.kind, [...kinds])] : []),
      ),
    )
    .orderBy(asc(ledgerEntries.id));
  const byId = new Map<string, MerchantLedgerTransaction>();
  for (const row of rows) {
    let transaction = byId.get(row.transactionId);
    if (!transaction) {
      transaction = {
        transactionId: row.transactionId,
        kind: row.kind as LedgerKind,
        createdAt: row.createdAt,
        loanId: row.loanId,
        applicationId: row.applicationId ?? null,
        lines: [],
      };
      byId.set(row.transactionId, transaction);
    }
    transaction.lines.push({ account: row.account, amountCents: row.amountCents });
  }
  return [...byId.values()];
}

/** What the merchant is owed, its clawbacks and where each was netted, and the next payout. */
export async function merchantPayouts(
  database: Database,
  merchantId: string,
  now = new Date(),
): Promise<MerchantPayouts> {
  // A busy merchant has tens of thousands of disbursement lines, and where a clawback is netted
  // depends only on refunds, payouts and payments: disbursements come in as their sums (one
  // covering-index read, ledger_merchant_balance_idx) — the same totals, ≈20× faster than
  // reading every line (scripts/bench/ledger.ts).
  const [sums, others] = await Promise.all([
    database.reader.db
      .select({
        account: ledgerEntries.account,
        total: sql<number>`coalesce(sum(${ledgerEntries.amountCents}), 0)`,
      })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.merchantId, merchantId), eq(ledgerEntries.kind, "disbursement")))
      .groupBy(ledgerEntries.account),
    merchantTransactions(database.reader, merchantId, undefined, ["refund", "payout", "clawback"]),
  ]);
  const disbursements: MerchantLedgerTransaction = {
    transactionId: "disbursements",
    kind: "disbursement",
    createdAt: new Date(0),
    loanId: null,
    applicationId: null,
    lines: sums.map((row) => ({ account: row.account, amountCents: Number(row.total) })),
  };
  return computePayouts(merchantId, [disbursements, ...others], now);
}

export type StatementExport = {
  statement: MonthlyStatement;
  csv: string;
  pdf: Uint8Array;
  /** e.g. "flowpay-statement-acme-pest-control-2026-11" (add .csv / .pdf). */
  filename: string;
};

/**
 * The merchant's statement of `month` ("YYYY-MM"): the opening balance from the ledger's lines
 * before it, one line per ledger transaction in it, the closing balance — as data, CSV and PDF.
 * Throws StatementMonthError for a malformed month; null for an unknown merchant.
 */
export async function monthlyStatement(
  database: Database,
  merchantId: string,
  month: string,
): Promise<StatementExport | null> {
  const window = monthWindow(month);
  const merchant = await database.reader.db
    .select({ name: merchants.name, slug: merchants.slug })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .get();
  if (!merchant) return null;
  const opening = await database.reader.db
    .select({ total: sql<number>`coalesce(sum(${ledgerEntries.amountCents}), 0)` })
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.merchantId, merchantId),
        eq(ledgerEntries.account, accounts.merchant(merchantId)),
        lt(ledgerEntries.createdAt, window.from),
      ),
    )
    .get();
  const statement = buildStatement({
    merchantId,
    merchantName: merchant.name,
    month,
    openingCents: 0 - Number(opening?.total ?? 0),
    transactions: await merchantTransactions(database.reader, merchantId, window),
  });
  return {
    statement,
    csv: statementCsv(statement),
    pdf: await renderStatementPdf(statement),
    filename: `flowpay-statement-${merchant.slug}-${month}`,
  };
}
