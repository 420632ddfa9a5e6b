/**
 * `npm run bench:ledger [-- --applications N] [--json]` measures the ledger at a busy merchant's
 * month (issue 15's targets): N funded applications (default 10,000) — each a disbursement, one
 * in ten partly refunded — plus daily lender settlements and weekly payouts, written through the
 * app's own appendLedgerTransaction into a fresh database file beside four other merchants'
 * books. Then:
 *
 * 1. Reconciliation of the month: the ledger's movements for the lender read back and compared
 *    with a settlement report (built independently, loan by loan) — target < 2 s.
 * 2. Balances of the busy merchant (median of 50 reads) — target < 50 ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import {
  disbursementTransaction,
  lenderSettlementTransaction,
  payoutTransaction,
  refundTransaction,
  type LedgerTransaction,
} from "~/app/lending/ledger";
import {
  appendLedgerTransaction,
  ledgerMovementsForLender,
  merchantBalances,
} from "~/app/lending/ledger.server";
import { reconcile, type SettlementLine } from "~/app/lending/reconcile";

const { values } = parseArgs({
  options: {
    applications: { type: "string", default: "10000" },
    json: { type: "boolean", default: false },
  },
});
const applications = Number(values.applications);
const month = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-12-01T00:00:00Z") };
const dayMs = 86_400_000;

/** Deterministic amounts: the same books on every run. */
function amountFor(i: number) {
  return 50_000 + ((i * 7_919) % 1_950_000);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "flowpay-bench-ledger-"));
  const database = await openDatabase({ url: `file:${join(dir, "bench.db")}` });
  try {
    await migrateDatabase(database);
    const report: SettlementLine[] = [];
    const merchants = ["mer_busy", "mer_b", "mer_c", "mer_d", "mer_e"];
    const seedStart = performance.now();
    let written = 0;
    // Batches of 200 transactions per write, as a busy day's jobs would group.
    let batch: { t: LedgerTransaction; at: Date; key: string }[] = [];
    const flush = async () => {
      const items = batch;
      batch = [];
      await database.write(async (tx) => {
        for (const item of items)
          await appendLedgerTransaction(tx, item.t, { now: item.at, sourceKey: item.key });
      });
      written += items.length;
    };
    const add = async (t: LedgerTransaction, at: Date, key: string) => {
      batch.push({ t, at, key });
      if (batch.length >= 200) await flush();
    };
    for (const merchantId of merchants) {
      const count = merchantId === "mer_busy" ? applications : Math.floor(applications / 10);
      for (let i = 0; i < count; i++) {
        const at = new Date(month.from.getTime() + Math.floor((i / count) * 29 * dayMs));
        const loanId = `loan_${merchantId}_${i}`;
        const amount = amountFor(i);
        const fee = Math.floor((amount * 300) / 10_000);
        await add(
          disbursementTransaction({
            loanId,
            merchantId,
            lender: "mock",
            amountCents: amount,
            merchantFeeCents: fee,
          }),
          at,
          `fund:${loanId}`,
        );
        if (merchantId === "mer_busy")
          report.push({ loanId, kind: "disbursement", amountCents: amount });
        if (i % 10 === 3) {
          const refund = Math.floor(amount / 2);
          await add(
            refundTransaction({
              loanId,
              merchantId,
              lender: "mock",
              disbursedCents: amount,
              merchantFeeCents: fee,
              refundedBeforeCents: 0,
              feeReturnedBeforeCents: 0,
              refundCents: refund,
            }),
            new Date(at.getTime() + dayMs / 2),
            `refund:${loanId}`,
          );
          if (merchantId === "mer_busy")
            report.push({ loanId, kind: "refund", amountCents: refund });
        }
      }
      for (let week = 0; week < 4; week++) {
        await add(
          payoutTransaction({ merchantId, amountCents: 100_000 }),
          new Date(month.from.getTime() + (week * 7 + 6) * dayMs),
          `payout:${merchantId}:${week}`,
        );
      }
    }
    for (let day = 0; day < 30; day++) {
      await add(
        lenderSettlementTransaction({ lender: "mock", amountCents: 1_000_000 }),
        new Date(month.from.getTime() + day * dayMs + 3_600_000),
        `settle:${day}`,
      );
    }
    await flush();
    const seedMs = performance.now() - seedStart;

    // Reconciliation compares only the busy merchant's loans in the report: the other merchants'
    // movements are in the ledger too, so keep the report complete for a fair comparison.
    for (const merchantId of merchants.slice(1)) {
      const count = Math.floor(applications / 10);
      for (let i = 0; i < count; i++) {
        const loanId = `loan_${merchantId}_${i}`;
        report.push({ loanId, kind: "disbursement", amountCents: amountFor(i) });
        if (i % 10 === 3)
          report.push({ loanId, kind: "refund", amountCents: Math.floor(amountFor(i) / 2) });
      }
    }
    const reconcileStart = performance.now();
    const movements = await ledgerMovementsForLender(database, "mock", month);
    const differences = reconcile(report, movements);
    const reconcileMs = performance.now() - reconcileStart;
    if (differences.length !== 0)
      throw new Error(`expected no differences, found ${differences.length}`);

    const samples: number[] = [];
    let balance = 0;
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      balance = (await merchantBalances(database, "mer_busy")).owedToMerchantCents;
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    const result = {
      applications,
      ledger_transactions: written,
      movements_reconciled: movements.length,
      seed_ms: Math.round(seedMs),
      reconcile_ms: Math.round(reconcileMs),
      reconcile_target_ms: 2000,
      balances_p50_ms: Number(samples[25]!.toFixed(2)),
      balances_p95_ms: Number(samples[47]!.toFixed(2)),
      balances_target_ms: 50,
      owed_to_busy_merchant_cents: balance,
      ok: reconcileMs < 2000 && samples[47]! < 50,
    };
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(
        `ledger: ${written} transactions for ${applications} applications (seeded in ${result.seed_ms} ms)`,
      );
      console.log(
        `reconcile a month: ${result.reconcile_ms} ms (target < 2000 ms), ${movements.length} movements, 0 differences`,
      );
      console.log(
        `balances of the busy merchant: p50 ${result.balances_p50_ms} ms, p95 ${result.balances_p95_ms} ms (target < 50 ms)`,
      );
    }
  } finally {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
