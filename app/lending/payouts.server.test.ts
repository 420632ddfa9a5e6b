import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import { merchants } from "~/db/schema/index";
import { disbursementTransaction, payoutTransaction, refundTransaction } from "./ledger";
import { appendLedgerTransaction, merchantBalances } from "./ledger.server";
import { merchantPayouts, monthlyStatement } from "./payouts.server";
import { StatementMonthError } from "./payouts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const merchantId = "mer_statement";

beforeAll(async () => {
  database = await createTestDatabase();
  await database.write(async (tx) => {
    await tx.insert(merchants).values([
      { id: merchantId, name: "Acme Pest Control", slug: "acme-statement" },
      { id: "mer_other", name: "Other", slug: "other-statement" },
    ]);
    const post = (t: Parameters<typeof appendLedgerTransaction>[1], at: string, key: string) =>
      appendLedgerTransaction(tx, t, { now: new Date(at), sourceKey: key });
    const fund = (loanId: string, m: string, amountCents: number) =>
      disbursementTransaction({
        loanId,
        merchantId: m,
        lender: "mock",
        amountCents,
        merchantFeeCents: amountCents * 0.03,
      });
    await post(fund("loan_oct", merchantId, 80_000), "2026-10-20T10:00:00Z", "k1");
    await post(fund("loan_a", merchantId, 100_000), "2026-11-02T10:00:00Z", "k2");
    await post(fund("loan_x", "mer_other", 500_000), "2026-11-02T11:00:00Z", "k3");
    await post(
      payoutTransaction({ merchantId, amountCents: 174_600 }),
      "2026-11-03T00:00:00Z",
      "k4",
    );
    await post(
      refundTransaction({
        loanId: "loan_a",
        merchantId,
        lender: "mock",
        disbursedCents: 100_000,
        merchantFeeCents: 3_000,
        refundedBeforeCents: 0,
        feeReturnedBeforeCents: 0,
        refundCents: 50_000,
      }),
      "2026-11-20T12:00:00Z",
      "k5",
    );
  });
});
afterAll(() => database.destroy());

describe("a merchant's payouts and statements from the ledger", () => {
  it("what is owed agrees with the ledger's balances, with the refund's clawback netted", async () => {
    const payouts = await merchantPayouts(database, merchantId, new Date("2026-11-21T00:00:00Z"));
    const balances = await merchantBalances(database, merchantId);
    expect(payouts.owedCents).toBe(balances.owedToMerchantCents);
    expect(payouts.owedCents).toBe(-48_500);
    expect(payouts.next).toEqual({
      date: "2026-11-23",
      amountCents: 0,
      clawbacksNettedCents: 48_500,
      carriedCents: 48_500,
    });
    expect(payouts.disbursedCents).toBe(180_000);
  });

  it("the month's statement closes on the ledger's figure, as CSV and as a PDF", async () => {
    const exported = await monthlyStatement(database, merchantId, "2026-11");
    expect(exported).not.toBeNull();
    const { statement, csv, pdf, filename } = exported!;
    expect(filename).toBe("flowpay-statement-acme-statement-2026-11");
    expect(statement.openingCents).toBe(77_600);
    expect(statement.lines.map((l) => l.kind)).toEqual(["disbursement", "payout", "refund"]);
    expect(statement.closingCents).toBe(
      (await merchantBalances(database, merchantId)).owedToMerchantCents,
    );
    // Another merchant's loan is not on it.
    expect(csv).not.toContain("loan_x");
    expect(csv.trimEnd().split("\r\n").at(-1)).toMatch(/,-485\.00$/);
    const doc = await PDFDocument.load(pdf);
    expect(doc.getTitle()).toBe("Monthly statement 2026-11");
    expect(doc.getPageCount()).toBe(1);
    // Deterministic: the same statement, the same bytes.
    const again = await monthlyStatement(database, merchantId, "2026-11");
    expect(Buffer.from(again!.pdf).equals(Buffer.from(pdf))).toBe(true);
  });

  it("an unknown merchant has no statement; a bad month is refused", async () => {
    expect(await monthlyStatement(database, "mer_nobody", "2026-11")).toBeNull();
    await expect(monthlyStatement(database, merchantId, "2026-1")).rejects.toThrow(
      StatementMonthError,
    );
  });
});
