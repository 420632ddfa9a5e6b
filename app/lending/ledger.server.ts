import { and, eq, sql } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { ledgerEntries } from "~/db/schema/index";
import { accounts, assertBalanced, type LedgerTransaction } from "./ledger";

/**
 * Appends one balanced ledger transaction inside the caller's database transaction — the one
 * that records the state change causing it (ADR: the ledger is written with its cause or not at
 * all). `sourceKey` names the cause (a lender event, a refund id): posting the same cause twice
 * is refused by the database, so a retried job cannot move money twice in the books.
 */
export async function appendLedgerTransaction(
  tx: Tx,
  transaction: LedgerTransaction,
  options: { sourceKey?: string; now?: Date } = {},
): Promise<string> {
  assertBalanced(transaction);
  const transactionId = newId("ltx");
  const createdAt = options.now ?? new Date();
  await tx.insert(ledgerEntries).values(
    transaction.lines.map((line) => ({
      transactionId,
      kind: transaction.kind,
      account: line.account,
      amountCents: line.amountCents,
      merchantId: transaction.merchantId,
      lender: transaction.lender,
      loanId: transaction.loanId,
      sourceKey: options.sourceKey ?? null,
      createdAt,
    })),
  );
  return transactionId;
}

/** Whether a cause has already been posted (to skip, not fail, a replayed event). */
export async function ledgerHasSource(
  tx: Tx | Database["db"],
  sourceKey: string,
): Promise<boolean> {
  const row = await tx
    .select({ id: ledgerEntries.id })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.sourceKey, sourceKey))
    .limit(1);
  return row.length > 0;
}

export type MerchantBalances = {
  /** What FlowPay owes the merchant now (negative: the merchant owes FlowPay, e.g. after refunds). */
  owedToMerchantCents: number;
  disbursedCents: number;
  refundedCents: number;
  paidOutCents: number;
};

/**
 * A merchant's position, derived from its ledger lines (one covering-index range read:
 * ledger_merchant_balance_idx), never from a stored balance.
 */
export async function merchantBalances(
  database: Database,
  merchantId: string,
): Promise<MerchantBalances> {
  const account = accounts.merchant(merchantId);
  const rows = await database.db
    .select({
      kind: ledgerEntries.kind,
      total: sql<number>`coalesce(sum(${ledgerEntries.amountCents}), 0)`,
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.merchantId, merchantId), eq(ledgerEntries.account, account)))
    .groupBy(ledgerEntries.kind);
  const byKind = new Map(rows.map((row) => [row.kind, Number(row.total)]));
  const balance = rows.reduce((sum, row) => sum + Number(row.total), 0);
  return {
    owedToMerchantCents: 0 - balance,
    disbursedCents: 0 - (byKind.get("disbursement") ?? 0),
    refundedCents: byKind.get("refund") ?? 0,
    paidOutCents: byKind.get("payout") ?? 0,
  };
}
