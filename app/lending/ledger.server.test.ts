import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import {
  disbursementTransaction,
  LedgerError,
  payoutTransaction,
  refundTransaction,
} from "./ledger";
import { appendLedgerTransaction, merchantBalances } from "./ledger.server";
import { reconcile } from "./reconcile";
import { ledgerSettlementMovements } from "./reconciliation.server";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

/** Drizzle wraps the driver's error ("Failed query: …"); the database's own words are its cause. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error & { cause?: Error },
  );
  if (!error) throw new Error("expected the database to refuse");
  return `${error.message} ${error.cause?.message ?? ""}`;
}

const count = async () =>
  Number((await database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ledger_entries`))!.n);

describe("the ledger in the database", () => {
  it("derives a merchant's position from its lines: funded − fees − refunds + returned fees − payouts", async () => {
    const merchantId = "mer_balance";
    const at = new Date("2026-12-01T12:00:00Z");
    await database.write((tx) =>
      appendLedgerTransaction(
        tx,
        disbursementTransaction({
          loanId: "loan_a",
          merchantId,
          lender: "mock",
          amountCents: 100_000,
          merchantFeeCents: 3_000,
        }),
        { sourceKey: "lender-event:evt_1", now: at },
      ),
    );
    const refund = refundTransaction({
      loanId: "loan_a",
      merchantId,
      lender: "mock",
      disbursedCents: 100_000,
      merchantFeeCents: 3_000,
      refundedBeforeCents: 0,
      feeReturnedBeforeCents: 0,
      refundCents: 50_000,
    });
    await database.write((tx) =>
      appendLedgerTransaction(tx, refund, { sourceKey: "refund:rf_1", now: at }),
    );
    await database.write((tx) =>
      appendLedgerTransaction(tx, payoutTransaction({ merchantId, amountCents: 20_000 }), {
        now: at,
      }),
    );
    const b = await merchantBalances(database, merchantId);
    expect(b.disbursedCents).toBe(97_000);
    expect(b.refundedCents).toBe(48_500); // 50,000 less the returned half of the fee
    expect(b.paidOutCents).toBe(20_000);
    expect(b.owedToMerchantCents).toBe(97_000 - 48_500 - 20_000);
  });

  it("posts a cause once: a replayed event is refused and leaves nothing behind", async () => {
    const before = await count();
    const again = database.write((tx) =>
      appendLedgerTransaction(
        tx,
        disbursementTransaction({
          loanId: "loan_a",
          merchantId: "mer_balance",
          lender: "mock",
          amountCents: 100_000,
          merchantFeeCents: 3_000,
        }),
        { sourceKey: "lender-event:evt_1" },
      ),
    );
    expect(await refusal(again)).toMatch(/UNIQUE constraint failed: ledger_entries\.source_key/);
    expect(await count()).toBe(before);
  });

  it("an unbalanced transaction never reaches the table", async () => {
    const before = await count();
    await expect(
      database.write((tx) =>
        appendLedgerTransaction(tx, {
          kind: "payout",
          merchantId: "m",
          lender: null,
          loanId: null,
          lines: [
            { account: "merchant:m", amountCents: 10 },
            { account: "cash:settlement", amountCents: -9 },
          ],
        }),
      ),
    ).rejects.toThrow(LedgerError);
    expect(await count()).toBe(before);
  });

  it("is append-only: the database refuses UPDATE and DELETE", async () => {
    const update = database.write((tx) => tx.run(sql`UPDATE ledger_entries SET amount_cents = 1`));
    expect(await refusal(update)).toContain("ledger_entries is append-only");
    const remove = database.write((tx) => tx.run(sql`DELETE FROM ledger_entries`));
    expect(await refusal(remove)).toContain("ledger_entries is append-only");
  });

  it("gives reconciliation the lender's movements per loan in a window, net of the merchant fee", async () => {
    const movements = await ledgerSettlementMovements(database, "mock", {
      from: new Date("2026-12-01T00:00:00Z"),
      to: new Date("2026-12-02T00:00:00Z"),
    });
    expect(
      reconcile(
        [
          // The lender paid out the loan less FlowPay's 3,000 fee.
          { loanId: "loan_a", kind: "disbursement", amountCents: 97_000 },
          { loanId: "loan_a", kind: "refund", amountCents: 50_000 },
        ],
        movements,
      ),
    ).toEqual([]);
    expect(
      reconcile([{ loanId: "loan_a", kind: "disbursement", amountCents: 97_000 }], movements),
    ).toEqual([
      { loanId: "loan_a", kind: "refund", issue: "missing_at_lender", ledgerCents: 50_000 },
    ]);
    const nextDay = await ledgerSettlementMovements(database, "mock", {
      from: new Date("2026-12-02T00:00:00Z"),
      to: new Date("2026-12-03T00:00:00Z"),
    });
    expect(nextDay).toEqual([]);
  });
});
