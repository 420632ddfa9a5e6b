/**
 * The daily reconciliation through its real path: the embedded mock lender (HTTP, its state in
 * the database like in the demo), the live adapter reading its settlement report, the outbox job,
 * and the ledger — then the FlowOps resolution.
 */
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { fundedMockLoan, mockLoanRecord } from "~/adapters/lender/fake-settlement";
import { appDatabase } from "~/scripts/testing/app-harness";
import { createAppJobRegistry } from "~/jobs/handlers/index";
import { enqueue } from "~/jobs/enqueue.server";
import { reconcileSettlementsJob } from "~/jobs/handlers/reconcile-settlements.definition";
import { countJobs, testRunner, waitFor } from "~/jobs/testing/helpers";
import { metrics } from "~/app/observability/metrics.server";
import { disbursementTransaction } from "./ledger";
import { appendLedgerTransaction } from "./ledger.server";
import { getLenders, stopLenders } from "./lenders.server";
import { databaseMockLenderStore } from "./mock-lender-store.server";
import {
  listReconciliationItems,
  loadReconciliationItem,
  reconcileSettlementDate,
  ReconciliationInputError,
  ReconciliationStateError,
  requestReconciliation,
  resolveReconciliationItem,
  scheduleReconciliation,
} from "./reconciliation.server";
import { datesToReconcile, nextReconciliationRun, previousDay } from "./settlement-schedule";

const database = await appDatabase();
afterAll(() => stopLenders());

const date = "2026-11-20";
const fundedAt = new Date(`${date}T15:00:00Z`);
const client = { ip: null, userAgent: null };

async function lenderBooks(...loans: Parameters<typeof fundedMockLoan>[0][]) {
  await databaseMockLenderStore(database).save(loans.map((l) => mockLoanRecord(fundedMockLoan(l))));
}
/** The ledger's disbursement: the loan's amount and the merchant fee (the lender pays out the difference). */
async function ledgerFunds(
  loanId: string,
  amountCents: number,
  merchantFeeCents: number,
  at = fundedAt,
) {
  await database.write((tx) =>
    appendLedgerTransaction(
      tx,
      disbursementTransaction({
        loanId,
        merchantId: "mer_r",
        lender: "mock",
        amountCents,
        merchantFeeCents,
      }),
      { now: at, sourceKey: `test:${loanId}:${at.getTime()}` },
    ),
  );
}
const differencesMetric = async () =>
  (
    await metrics.registry.getSingleMetric("flowpay_reconciliation_differences_total")?.get()
  )?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;

describe("daily reconciliation", () => {
  it("a report that agrees with the ledger opens nothing and records the run", async () => {
    await lenderBooks({
      loanId: "loan_same",
      lenderLoanId: "LN-SAME",
      merchantId: "mer_r",
      amountCents: 485_000,
      fundedAt,
    });
    // $5,000 less the $150 fee: what the lender paid out.
    await ledgerFunds("loan_same", 500_000, 15_000);
    const mock = (await getLenders()).get("mock");
    const run = await reconcileSettlementDate(database, mock, date);
    expect(run).toMatchObject({ reportLines: 1, ledgerMovements: 1, differences: 0, opened: 0 });
    expect((await listReconciliationItems(database, "open")).runs).toEqual([
      expect.objectContaining({ lender: "mock", settlementDate: date, differences: 0 }),
    ]);
  });

  it("each difference becomes one open item and counts in the metric; the job run again adds none", async () => {
    await lenderBooks(
      // The lender funded it; our ledger never heard.
      {
        loanId: "loan_lost",
        lenderLoanId: "LN-LOST",
        merchantId: "mer_r",
        amountCents: 300_000,
        fundedAt,
      },
      // Both have it, for different amounts.
      {
        loanId: "loan_diff",
        lenderLoanId: "LN-DIFF",
        merchantId: "mer_r",
        amountCents: 410_000,
        fundedAt,
      },
    );
    await ledgerFunds("loan_diff", 400_000, 12_000);
    // Our ledger has it; the lender does not report it.
    await ledgerFunds("loan_ghost", 100_000, 3_000);
    const before = await differencesMetric();

    // The real path: an operator asks for the date; the outbox job reconciles it.
    await requestReconciliation(database, { date, operatorId: "op_test", client });
    const runner = testRunner(database, createAppJobRegistry());
    runner.start();
    try {
      await waitFor(
        () => countJobs(database, "kind = 'reconcile-settlements' AND state = 'completed'"),
        {
          what: "the reconciliation job",
        },
      );
      const queue = await listReconciliationItems(database, "open");
      expect(
        [...queue.items]
          .sort((a, b) => (a.loanId < b.loanId ? -1 : 1))
          .map((i) => [i.loanId, i.issue, i.lenderCents, i.ledgerCents, i.merchantId]),
      ).toEqual(
        [
          ["loan_lost", "missing_in_ledger", 300_000, null, "mer_r"],
          ["loan_diff", "amount_mismatch", 410_000, 388_000, "mer_r"],
          ["loan_ghost", "missing_at_lender", null, 97_000, null],
        ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      );
      expect((await differencesMetric()) - before).toBe(3);

      // Killed after its commit and run again (at least once): the same items, no new ones.
      await requestReconciliation(database, { date, operatorId: "op_test", client });
      await waitFor(
        () =>
          countJobs(database, "kind = 'reconcile-settlements' AND state = 'completed'").then(
            (n) => n === 2,
          ),
        { what: "the second run" },
      );
      expect((await listReconciliationItems(database, "open")).total).toBe(3);
      expect((await differencesMetric()) - before).toBe(3);
    } finally {
      await runner.stop({ graceMs: 1000 });
    }
  });

  it("a difference gone on a later run (a late event posted) is closed by the system, with a note", async () => {
    await ledgerFunds("loan_lost", 309_000, 9_000);
    const run = await reconcileSettlementDate(database, (await getLenders()).get("mock"), date);
    expect(run).toMatchObject({ differences: 2, opened: 0, cleared: 1 });
    const resolved = await listReconciliationItems(database, "resolved");
    expect(resolved.items.map((i) => [i.loanId, i.resolvedBy])).toEqual([["loan_lost", "system"]]);
    expect(resolved.items[0]!.resolutionNote).toMatch(/No longer a difference/);
  });

  it("an operator resolves an item with a note, once, audited; a report that cannot be read writes nothing", async () => {
    const [item] = (await listReconciliationItems(database, "open")).items.filter(
      (i) => i.loanId === "loan_diff",
    );
    await expect(
      resolveReconciliationItem(database, {
        itemId: item!.id,
        operatorId: "op_test",
        note: " ",
        client,
      }),
    ).rejects.toThrow(ReconciliationInputError);
    await resolveReconciliationItem(database, {
      itemId: item!.id,
      operatorId: "op_test",
      note: "Lender confirmed a $100 fee adjustment; correcting entry posted.",
      client,
    });
    const page = await loadReconciliationItem(database, item!.id);
    expect(page?.item).toMatchObject({ status: "resolved", resolvedBy: "op_test" });
    expect(page?.ledgerLines).toEqual([
      expect.objectContaining({ amountCents: 388_000, grossCents: 400_000, feeCents: 12_000 }),
    ]);
    await expect(
      resolveReconciliationItem(database, {
        itemId: item!.id,
        operatorId: "op_test",
        note: "again",
        client,
      }),
    ).rejects.toThrow(ReconciliationStateError);
    const audits = await database.db.all<{ action: string }>(
      sql`SELECT action FROM audit_logs WHERE entity_id = ${item!.id} ORDER BY id`,
    );
    expect(audits.map((a) => a.action)).toEqual([
      "reconciliation.difference_found",
      "reconciliation.resolved",
    ]);

    const broken = {
      name: "mock",
      settlementReport: () => Promise.reject(new Error("connection reset")),
    };
    await expect(reconcileSettlementDate(database, broken, "2026-11-21")).rejects.toThrow();
    expect(
      (await listReconciliationItems(database, "open")).runs.map((r) => r.settlementDate),
    ).not.toContain("2026-11-21");
  });

  it("schedules one daily run at the configured hour for the day before, and refuses future dates", async () => {
    expect(nextReconciliationRun(new Date("2026-12-07T05:59:00Z"), 6)).toEqual({
      runAt: new Date("2026-12-07T06:00:00Z"),
      date: "2026-12-06",
    });
    expect(nextReconciliationRun(new Date("2026-12-07T06:00:00Z"), 6)).toEqual({
      runAt: new Date("2026-12-08T06:00:00Z"),
      date: "2026-12-07",
    });
    expect(previousDay("2027-01-01")).toBe("2026-12-31");
    await scheduleReconciliation(database, 6, "dedupe");
    await scheduleReconciliation(database, 6, "dedupe");
    expect(
      await countJobs(
        database,
        "kind = 'reconcile-settlements' AND key = 'reconcile-settlements:daily' AND state = 'pending'",
      ),
    ).toBe(1);
    await expect(
      requestReconciliation(database, { date: "2999-01-01", operatorId: "op_test", client }),
    ).rejects.toThrow(ReconciliationInputError);
  });

  it("the daily run catches up the days no run covered, at most a week back", async () => {
    expect(datesToReconcile(null, "2026-12-07")).toEqual(["2026-12-07"]);
    expect(datesToReconcile("2026-12-06", "2026-12-07")).toEqual(["2026-12-07"]);
    expect(datesToReconcile("2026-12-03", "2026-12-07")).toEqual([
      "2026-12-04",
      "2026-12-05",
      "2026-12-06",
      "2026-12-07",
    ]);
    expect(datesToReconcile("2026-01-01", "2026-12-07")).toHaveLength(8);

    // The last run was for the 20th; the process was down; the scheduled run of the 23rd comes.
    await database.write((tx) =>
      enqueue(tx, reconcileSettlementsJob, { date: "2026-11-23", scheduled: true }),
    );
    const runner = testRunner(database, createAppJobRegistry());
    runner.start();
    try {
      await waitFor(
        async () =>
          (await listReconciliationItems(database, "open")).runs.some(
            (r) => r.settlementDate === "2026-11-23",
          ),
        { what: "the scheduled run" },
      );
    } finally {
      await runner.stop({ graceMs: 1000 });
    }
    const dates = (await listReconciliationItems(database, "open")).runs.map(
      (r) => r.settlementDate,
    );
    expect(dates.slice(0, 4)).toEqual(["2026-11-23", "2026-11-22", "2026-11-21", "2026-11-20"]);
  });
});
