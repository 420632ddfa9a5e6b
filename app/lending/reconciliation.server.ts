/**
 * The daily reconciliation (docs/product/merchants-and-money.md, "Ledger"; ADR 056): each
 * lender's settlement report of a day against the ledger's movements of that day, loan by loan
 * (the pure comparison is reconcile.ts). Every difference becomes one reconciliation item that a
 * person resolves in FlowOps with a note; the ledger is never corrected from here.
 *
 * Kill-safe and idempotent: the report is fetched first (a read), then one write transaction
 * stores the items and the run. A job killed before it commits left nothing; one that runs again
 * finds the same differences under the same unique key (lender, date, loan, kind) and adds
 * nothing twice. An open item whose difference is gone on a later run (a late lender event has
 * since been posted) is closed by the system with a note saying so.
 */
import { and, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { SettlementReport } from "~/adapters/lender/types";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import {
  ledgerEntries,
  loans,
  merchants,
  operators,
  reconciliationItems,
  reconciliationRuns,
} from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { reconcileSettlementsJob } from "~/jobs/handlers/reconcile-settlements.definition";
import { audit } from "~/app/audit/audit.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { accounts } from "./ledger";
import { reconcile, type Difference, type LedgerMovement } from "./reconcile";
import { nextReconciliationRun, settlementWindow, utcDay } from "./settlement-schedule";

/** What reconciliation needs of a lender adapter. */
export type SettlementSource = {
  readonly name: string;
  settlementReport(date: string, signal?: AbortSignal): Promise<SettlementReport>;
};

export type ReconciliationRun = {
  lender: string;
  date: string;
  reportLines: number;
  ledgerMovements: number;
  differences: number;
  /** Items opened by this run (a re-run finds the earlier ones and opens none). */
  opened: number;
  /** Earlier open items whose difference is gone. */
  cleared: number;
};

type ItemRow = typeof reconciliationItems.$inferSelect;

const sides = (d: Difference) => ({
  lenderCents: "lenderCents" in d ? d.lenderCents : null,
  ledgerCents: "ledgerCents" in d ? d.ledgerCents : null,
});

/**
 * What the ledger says `lender` moved in a window, per loan, in the lender's own terms: for a
 * disbursement what it paid out — the loan's amount (the lender account's line) less the merchant
 * fee (the fee revenue line), since FlowPay asks the lender to disburse the amount net of its fee;
 * for a refund what it took off the loan (the lender account's line). One covering-index range per
 * account (ledger_lender_movements_idx).
 */
export async function ledgerSettlementMovements(
  database: Database,
  lender: string,
  window: { from: Date; to: Date },
): Promise<LedgerMovement[]> {
  const lenderAccount = accounts.lender(lender);
  const rows = await database.db
    .select({
      account: ledgerEntries.account,
      kind: ledgerEntries.kind,
      loanId: ledgerEntries.loanId,
      amountCents: ledgerEntries.amountCents,
    })
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.lender, lender),
        inArray(ledgerEntries.account, [lenderAccount, accounts.feeRevenue]),
        gte(ledgerEntries.createdAt, window.from),
        lt(ledgerEntries.createdAt, window.to),
        inArray(ledgerEntries.kind, ["disbursement", "refund"]),
      ),
    );
  const movements: LedgerMovement[] = [];
  for (const row of rows) {
    const kind = row.kind as LedgerMovement["kind"];
    const loanId = row.loanId ?? "";
    if (row.account === lenderAccount) {
      // Debited by a disbursement, credited by a refund: positive cents either way.
      movements.push({ loanId, kind, amountCents: Math.abs(row.amountCents) });
    } else if (kind === "disbursement") {
      // The fee earned (a credit, negative) is what the lender did not pay out.
      movements.push({ loanId, kind, amountCents: row.amountCents });
    }
  }
  return movements;
}

/** Fetches `lender`'s report of `date`, compares it with the ledger, stores the differences. */
export async function reconcileSettlementDate(
  database: Database,
  lender: SettlementSource,
  date: string,
  options: { signal?: AbortSignal; now?: Date } = {},
): Promise<ReconciliationRun> {
  const window = settlementWindow(date);
  const report = await lender.settlementReport(date, options.signal);
  const movements = await ledgerSettlementMovements(database, lender.name, window);
  const differences = reconcile(
    report.lines.map((line) => ({
      loanId: line.loanId,
      kind: line.type,
      amountCents: line.amountCents,
    })),
    movements,
  );
  // Movements per loan and kind (a disbursement's amount and fee lines are one).
  const ledgerCount = new Set(movements.map((m) => `${m.loanId}\u0000${m.kind}`)).size;
  const now = options.now ?? new Date();
  const loanIds = [...new Set(differences.map((d) => d.loanId))];
  const reportedMerchant = new Map(report.lines.map((l) => [l.loanId, l.merchantId]));

  const result = await database.write(async (tx) => {
    const known = loanIds.length
      ? await tx
          .select({ id: loans.id, merchantId: loans.merchantId })
          .from(loans)
          .where(inArray(loans.id, loanIds))
      : [];
    const merchantOf = new Map(known.map((l) => [l.id, l.merchantId]));
    const earlier = await tx
      .select()
      .from(reconciliationItems)
      .where(
        and(
          eq(reconciliationItems.lender, lender.name),
          eq(reconciliationItems.settlementDate, date),
        ),
      );
    const byKey = new Map(earlier.map((item) => [`${item.loanId}\u0000${item.kind}`, item]));
    let opened = 0;
    const openedByIssue = new Map<string, number>();
    for (const difference of differences) {
      const key = `${difference.loanId}\u0000${difference.kind}`;
      const existing = byKey.get(key);
      byKey.delete(key);
      const { lenderCents, ledgerCents } = sides(difference);
      if (existing) {
        // Still a difference: an open item follows the latest figures; a resolved one stays.
        if (
          existing.status === "open" &&
          (existing.lenderCents !== lenderCents ||
            existing.ledgerCents !== ledgerCents ||
            existing.issue !== difference.issue)
        ) {
          await tx
            .update(reconciliationItems)
            .set({ issue: difference.issue, lenderCents, ledgerCents })
            .where(eq(reconciliationItems.id, existing.id));
        }
        continue;
      }
      const item = {
        id: newId("rci", now.getTime()),
        lender: lender.name,
        settlementDate: date,
        loanId: difference.loanId,
        merchantId:
          merchantOf.get(difference.loanId) ?? reportedMerchant.get(difference.loanId) ?? null,
        kind: difference.kind,
        issue: difference.issue,
        lenderCents,
        ledgerCents,
        status: "open" as const,
        createdAt: now,
      };
      await tx.insert(reconciliationItems).values(item);
      await audit(tx, {
        actorType: "system",
        actorId: "reconciliation",
        action: "reconciliation.difference_found",
        entityType: "reconciliation_item",
        entityId: item.id,
        details: { lender: lender.name, date, loan_id: item.loanId, issue: item.issue },
      });
      opened += 1;
      openedByIssue.set(item.issue, (openedByIssue.get(item.issue) ?? 0) + 1);
    }
    // What was a difference and no longer is (a late event posted since): closed, with a note.
    let cleared = 0;
    for (const gone of byKey.values()) {
      if (gone.status !== "open") continue;
      await tx
        .update(reconciliationItems)
        .set({
          status: "resolved",
          resolutionNote: `No longer a difference when ${date} was reconciled again on ${now.toISOString()}.`,
          resolvedBy: "system",
          resolvedAt: now,
        })
        .where(eq(reconciliationItems.id, gone.id));
      await audit(tx, {
        actorType: "system",
        actorId: "reconciliation",
        action: "reconciliation.cleared",
        entityType: "reconciliation_item",
        entityId: gone.id,
        details: { lender: lender.name, date, loan_id: gone.loanId },
      });
      cleared += 1;
    }
    const run = {
      reportLines: report.lines.length,
      ledgerMovements: ledgerCount,
      differences: differences.length,
      lenderNetCents: report.summary.netCents,
      completedAt: now,
    };
    await tx
      .insert(reconciliationRuns)
      .values({
        id: newId("rcr", now.getTime()),
        lender: lender.name,
        settlementDate: date,
        ...run,
      })
      .onConflictDoUpdate({
        target: [reconciliationRuns.lender, reconciliationRuns.settlementDate],
        set: run,
      });
    return { opened, cleared, openedByIssue };
  });
  // Counted once committed, by issue: what the alert and the dashboard follow.
  for (const [issue, count] of result.openedByIssue) {
    businessMetrics.reconciliationDifferences.inc({ lender: lender.name, issue }, count);
  }
  return {
    lender: lender.name,
    date,
    reportLines: report.lines.length,
    ledgerMovements: ledgerCount,
    differences: differences.length,
    opened: result.opened,
    cleared: result.cleared,
  };
}

/** The latest settlement date reconciled for `lender` before `date`, or null. */
export async function lastReconciledDate(
  database: Database,
  lender: string,
  date: string,
): Promise<string | null> {
  const row = await database.db
    .select({ date: sql<string | null>`max(${reconciliationRuns.settlementDate})` })
    .from(reconciliationRuns)
    .where(
      and(
        eq(reconciliationRuns.lender, lender),
        sql`${reconciliationRuns.settlementDate} < ${date}`,
      ),
    )
    .get();
  return row?.date ?? null;
}

/** Enqueues the next daily run (job key "daily"). At boot "dedupe" keeps a pending one. */
export async function scheduleReconciliation(
  database: Database,
  hourUtc: number,
  keyMode: "replace" | "dedupe",
  now = new Date(),
) {
  const next = nextReconciliationRun(now, hourUtc);
  return database.write((tx) =>
    enqueue(
      tx,
      reconcileSettlementsJob,
      { date: next.date, scheduled: true },
      { key: "daily", keyMode, runAt: next.runAt },
    ),
  );
}

export class ReconciliationInputError extends Error {
  override name = "ReconciliationInputError";
}

/** An operator asks for a date to be reconciled now (again): one pending run per date. */
export async function requestReconciliation(
  database: Database,
  input: {
    date: string;
    operatorId: string;
    client: { ip: string | null; userAgent: string | null };
    now?: Date;
  },
) {
  const today = utcDay(input.now ?? new Date());
  try {
    settlementWindow(input.date);
  } catch {
    throw new ReconciliationInputError("Enter a date as YYYY-MM-DD.");
  }
  if (input.date > today) {
    throw new ReconciliationInputError("A settlement report exists only for today or earlier.");
  }
  await database.write(async (tx) => {
    await enqueue(
      tx,
      reconcileSettlementsJob,
      { date: input.date, scheduled: false },
      { key: `manual:${input.date}`, keyMode: "dedupe" },
    );
    await audit(tx, {
      actorType: "operator",
      actorId: input.operatorId,
      action: "reconciliation.requested",
      entityType: "settlement_date",
      entityId: input.date,
      ...input.client,
    });
  });
}

// ---- the FlowOps queue ------------------------------------------------------------------------

export type ReconciliationQueue = {
  status: "open" | "resolved";
  total: number;
  items: (ItemRow & { merchantName: string | null })[];
  runs: (typeof reconciliationRuns.$inferSelect)[];
};

export async function listReconciliationItems(
  database: Database,
  status: "open" | "resolved",
  limit = 100,
): Promise<ReconciliationQueue> {
  const where = eq(reconciliationItems.status, status);
  const [items, total, runs] = await Promise.all([
    database.reader.db
      .select({ item: reconciliationItems, merchantName: merchants.name })
      .from(reconciliationItems)
      .leftJoin(merchants, eq(merchants.id, reconciliationItems.merchantId))
      .where(where)
      .orderBy(
        status === "open" ? reconciliationItems.createdAt : desc(reconciliationItems.resolvedAt),
        reconciliationItems.id,
      )
      .limit(limit),
    database.reader.db
      .select({ n: sql<number>`count(*)` })
      .from(reconciliationItems)
      .where(where)
      .get(),
    database.reader.db
      .select()
      .from(reconciliationRuns)
      .orderBy(desc(reconciliationRuns.settlementDate), reconciliationRuns.lender)
      .limit(7),
  ]);
  return {
    status,
    total: Number(total?.n ?? 0),
    items: items.map((row) => ({ ...row.item, merchantName: row.merchantName })),
    runs,
  };
}

export type ReconciliationItemPage = {
  item: ItemRow;
  merchantName: string | null;
  loan: { applicationId: string; lenderLoanId: string | null; status: string } | null;
  /**
   * The ledger's side: the loan's transactions of this kind that day, in the lender's terms
   * (`amountCents`: a disbursement's amount less the fee, a refund's amount).
   */
  ledgerLines: {
    transactionId: string;
    createdAt: Date;
    amountCents: number;
    grossCents: number;
    feeCents: number;
  }[];
  resolverName: string | null;
};

export async function loadReconciliationItem(
  database: Database,
  itemId: string,
): Promise<ReconciliationItemPage | null> {
  const item = await database.reader.db
    .select()
    .from(reconciliationItems)
    .where(eq(reconciliationItems.id, itemId))
    .get();
  if (!item) return null;
  const window = settlementWindow(item.settlementDate);
  const [loan, merchant, lines, resolver] = await Promise.all([
    database.reader.db
      .select({
        applicationId: loans.applicationId,
        lenderLoanId: loans.lenderLoanId,
        status: loans.status,
      })
      .from(loans)
      .where(eq(loans.id, item.loanId))
      .get(),
    item.merchantId
      ? database.reader.db
          .select({ name: merchants.name })
          .from(merchants)
          .where(eq(merchants.id, item.merchantId))
          .get()
      : undefined,
    database.reader.db
      .select({
        transactionId: ledgerEntries.transactionId,
        createdAt: ledgerEntries.createdAt,
        account: ledgerEntries.account,
        amountCents: ledgerEntries.amountCents,
      })
      .from(ledgerEntries)
      .where(
        and(
          eq(ledgerEntries.loanId, item.loanId),
          eq(ledgerEntries.kind, item.kind),
          inArray(ledgerEntries.account, [accounts.lender(item.lender), accounts.feeRevenue]),
          sql`${ledgerEntries.createdAt} >= ${window.from.getTime()} AND ${ledgerEntries.createdAt} < ${window.to.getTime()}`,
        ),
      )
      .orderBy(ledgerEntries.createdAt),
    item.resolvedBy && item.resolvedBy !== "system"
      ? database.reader.db
          .select({ name: operators.name })
          .from(operators)
          .where(eq(operators.id, item.resolvedBy))
          .get()
      : undefined,
  ]);
  return {
    item,
    merchantName: merchant?.name ?? null,
    loan: loan ?? null,
    ledgerLines: ledgerTransactions(lines, item.kind, accounts.lender(item.lender)),
    resolverName: item.resolvedBy === "system" ? "FlowPay (re-run)" : (resolver?.name ?? null),
  };
}

function ledgerTransactions(
  lines: { transactionId: string; createdAt: Date; account: string; amountCents: number }[],
  kind: string,
  lenderAccount: string,
): ReconciliationItemPage["ledgerLines"] {
  const byId = new Map<string, ReconciliationItemPage["ledgerLines"][number]>();
  for (const line of lines) {
    const transaction = byId.get(line.transactionId) ?? {
      transactionId: line.transactionId,
      createdAt: line.createdAt,
      amountCents: 0,
      grossCents: 0,
      feeCents: 0,
    };
    if (line.account === lenderAccount) transaction.grossCents += Math.abs(line.amountCents);
    else if (kind === "disbursement") transaction.feeCents -= line.amountCents;
    transaction.amountCents = transaction.grossCents - transaction.feeCents;
    byId.set(line.transactionId, transaction);
  }
  return [...byId.values()];
}

export class ReconciliationItemNotFoundError extends Error {
  override name = "ReconciliationItemNotFoundError";
}
export class ReconciliationStateError extends Error {
  override name = "ReconciliationStateError";
}

/** An operator resolves an item with a note saying what was found and done (audited). */
export async function resolveReconciliationItem(
  database: Database,
  input: {
    itemId: string;
    operatorId: string;
    note: string;
    client: { ip: string | null; userAgent: string | null };
    now?: Date;
  },
) {
  const note = input.note.trim();
  if (note.length < 3 || note.length > 2000) {
    throw new ReconciliationInputError(
      "Write a note of 3 to 2,000 characters: what you found and did.",
    );
  }
  const now = input.now ?? new Date();
  await database.write(async (tx) => {
    const item = await tx
      .select()
      .from(reconciliationItems)
      .where(eq(reconciliationItems.id, input.itemId))
      .get();
    if (!item) throw new ReconciliationItemNotFoundError(input.itemId);
    if (item.status !== "open") {
      throw new ReconciliationStateError("This difference has already been resolved.");
    }
    await tx
      .update(reconciliationItems)
      .set({
        status: "resolved",
        resolutionNote: note,
        resolvedBy: input.operatorId,
        resolvedAt: now,
      })
      .where(and(eq(reconciliationItems.id, item.id), eq(reconciliationItems.status, "open")));
    await audit(tx, {
      actorType: "operator",
      actorId: input.operatorId,
      action: "reconciliation.resolved",
      entityType: "reconciliation_item",
      entityId: item.id,
      ...input.client,
      details: { lender: item.lender, date: item.settlementDate, loan_id: item.loanId },
    });
  });
}
