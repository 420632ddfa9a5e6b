import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clawbackTransaction,
  disbursementTransaction,
  payoutTransaction,
  refundTransaction,
  type LedgerTransaction,
} from "./ledger";
import {
  buildStatement,
  computePayouts,
  monthWindow,
  nextPayoutDate,
  statementCsv,
  statementPdfLineLimit,
  statementPdfRows,
  StatementMonthError,
  type MerchantLedgerTransaction,
} from "./payouts";

const merchantId = "mer_1";
let seq = 0;
function at(t: LedgerTransaction, date: string): MerchantLedgerTransaction {
  seq += 1;
  return {
    transactionId: `ltx_${String(seq).padStart(4, "0")}`,
    kind: t.kind,
    createdAt: new Date(date),
    loanId: t.loanId,
    applicationId: t.loanId ? `app_${t.loanId}` : null,
    lines: t.lines,
  };
}
const fund = (loanId: string, amountCents: number, merchantFeeCents: number) =>
  disbursementTransaction({ loanId, merchantId, lender: "mock", amountCents, merchantFeeCents });
const refund = (loanId: string, refundCents: number, before = 0, feeBefore = 0) =>
  refundTransaction({
    loanId,
    merchantId,
    lender: "mock",
    disbursedCents: 100_000,
    merchantFeeCents: 3_000,
    refundedBeforeCents: before,
    feeReturnedBeforeCents: feeBefore,
    refundCents,
  });

describe("payouts", () => {
  it("owes disbursements less fees, and nets a refund's clawback from the next payout", () => {
    const transactions = [
      at(fund("loan_a", 100_000, 3_000), "2026-11-02T10:00:00Z"),
      at(payoutTransaction({ merchantId, amountCents: 97_000 }), "2026-11-03T00:00:00Z"),
      at(fund("loan_b", 50_000, 1_500), "2026-11-04T10:00:00Z"),
      // Half of loan_a refunded: the merchant gives back $500 less half the $30 fee.
      at(refund("loan_a", 50_000), "2026-11-04T12:00:00Z"),
    ];
    const payouts = computePayouts(merchantId, transactions, new Date("2026-11-04T18:00:00Z"));
    expect(payouts.earnedCents).toBe(97_000 + 48_500);
    expect(payouts.clawbacksCents).toBe(50_000 - 1_500);
    expect(payouts.owedCents).toBe(48_500 - 48_500);
    expect(payouts.next).toEqual({
      date: "2026-11-05",
      amountCents: 0,
      clawbacksNettedCents: 48_500,
      carriedCents: 0,
    });
    expect(payouts.clawbacks).toEqual([
      expect.objectContaining({
        loanId: "loan_a",
        refundedCents: 50_000,
        feeReturnedCents: 1_500,
        clawbackCents: 48_500,
        nettedOn: null,
      }),
    ]);
  });

  it("carries what the merchant owes into later payouts, and marks where a clawback was netted", () => {
    const transactions = [
      at(fund("loan_a", 100_000, 3_000), "2026-11-02T10:00:00Z"),
      at(payoutTransaction({ merchantId, amountCents: 97_000 }), "2026-11-03T00:00:00Z"),
      at(refund("loan_a", 100_000), "2026-11-05T12:00:00Z"),
    ];
    const owing = computePayouts(merchantId, transactions, new Date("2026-11-06T12:00:00Z"));
    // Friday → Monday; the whole $1,000 less the whole $30 fee is owed back.
    expect(owing.next).toMatchObject({ date: "2026-11-09", amountCents: 0, carriedCents: 97_000 });
    const later = [
      ...transactions,
      at(fund("loan_c", 200_000, 6_000), "2026-11-09T09:00:00Z"),
      at(payoutTransaction({ merchantId, amountCents: 97_000 }), "2026-11-10T00:00:00Z"),
    ];
    const after = computePayouts(merchantId, later, new Date("2026-11-10T12:00:00Z"));
    expect(after.owedCents).toBe(0);
    expect(after.clawbacks[0]!.nettedOn).toEqual(new Date("2026-11-10T00:00:00Z"));
    expect(after.payouts.map((p) => p.amountCents)).toEqual([97_000, 97_000]);
  });

  it("a payment from the merchant settles what it owed", () => {
    const transactions = [
      at(fund("loan_a", 100_000, 3_000), "2026-11-02T10:00:00Z"),
      at(payoutTransaction({ merchantId, amountCents: 97_000 }), "2026-11-03T00:00:00Z"),
      at(refund("loan_a", 100_000), "2026-11-05T12:00:00Z"),
      at(clawbackTransaction({ merchantId, amountCents: 97_000 }), "2026-11-06T12:00:00Z"),
    ];
    const payouts = computePayouts(merchantId, transactions, new Date("2026-11-06T13:00:00Z"));
    expect(payouts.collectedCents).toBe(97_000);
    expect(payouts.owedCents).toBe(0);
    expect(payouts.next.carriedCents).toBe(0);
  });

  it("pays on business days only", () => {
    expect(nextPayoutDate(new Date("2026-12-04T23:00:00Z"))).toBe("2026-12-07"); // Fri → Mon
    expect(nextPayoutDate(new Date("2026-12-05T09:00:00Z"))).toBe("2026-12-07"); // Sat → Mon
    expect(nextPayoutDate(new Date("2026-12-07T09:00:00Z"))).toBe("2026-12-08");
  });

  it("property: owed = earned − clawbacks − paid out + collected, and the next payout is never negative", () => {
    const op = fc.oneof(
      fc.record({
        op: fc.constant("fund" as const),
        amount: fc.integer({ min: 1_000, max: 900_000 }),
        feeBps: fc.integer({ min: 0, max: 900 }),
      }),
      fc.record({
        op: fc.constant("refund" as const),
        loan: fc.nat(),
        share: fc.double({ min: 0.01, max: 1, noNaN: true }),
      }),
      fc.record({ op: fc.constant("payout" as const) }),
      fc.record({ op: fc.constant("collect" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const loans: {
          id: string;
          amount: number;
          fee: number;
          refunded: number;
          feeBack: number;
        }[] = [];
        const transactions: MerchantLedgerTransaction[] = [];
        let owed = 0;
        let time = Date.parse("2026-11-01T00:00:00Z");
        const push = (t: LedgerTransaction) => {
          time += 3_600_000;
          transactions.push(at(t, new Date(time).toISOString()));
          owed -= t.lines.find((l) => l.account === `merchant:${merchantId}`)?.amountCents ?? 0;
        };
        for (const o of ops) {
          if (o.op === "fund") {
            const fee = Math.floor((o.amount * o.feeBps) / 10_000);
            const loan = {
              id: `loan_${loans.length}`,
              amount: o.amount,
              fee,
              refunded: 0,
              feeBack: 0,
            };
            loans.push(loan);
            push(fund(loan.id, loan.amount, fee));
          } else if (o.op === "refund" && loans.length > 0) {
            const loan = loans[o.loan % loans.length]!;
            const left = loan.amount - loan.refunded;
            const cents = Math.min(left, Math.max(1, Math.floor(left * o.share)));
            if (cents <= 0) continue;
            const t = refundTransaction({
              loanId: loan.id,
              merchantId,
              lender: "mock",
              disbursedCents: loan.amount,
              merchantFeeCents: loan.fee,
              refundedBeforeCents: loan.refunded,
              feeReturnedBeforeCents: loan.feeBack,
              refundCents: cents,
            });
            loan.refunded += cents;
            loan.feeBack += t.feeReturnedCents;
            push(t);
          } else if (o.op === "payout" && owed > 0) {
            push(payoutTransaction({ merchantId, amountCents: owed }));
          } else if (o.op === "collect" && owed < 0) {
            push(clawbackTransaction({ merchantId, amountCents: -owed }));
          }
        }
        const p = computePayouts(merchantId, transactions, new Date(time));
        expect(p.owedCents).toBe(owed);
        expect(p.owedCents).toBe(
          p.earnedCents - p.clawbacksCents - p.paidOutCents + p.collectedCents,
        );
        expect(p.earnedCents).toBe(p.disbursedCents - p.feesCents);
        expect(p.clawbacksCents).toBe(p.refundedCents - p.feesReturnedCents);
        expect(p.next.amountCents).toBeGreaterThanOrEqual(0);
        expect(p.next.amountCents - p.next.carriedCents).toBe(p.owedCents);
        // A clawback is netted from the first payout (or payment) after it, or waits for the next.
        for (const c of p.clawbacks) {
          const first = transactions.find(
            (t) => (t.kind === "payout" || t.kind === "clawback") && t.createdAt > c.date,
          );
          expect(c.nettedOn).toEqual(first?.createdAt ?? null);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("monthly statement", () => {
  const transactions = [
    at(fund("loan_old", 80_000, 2_400), "2026-10-20T10:00:00Z"),
    at(fund("loan_a", 100_000, 3_000), "2026-11-02T10:00:00Z"),
    at(payoutTransaction({ merchantId, amountCents: 174_600 }), "2026-11-03T00:00:00Z"),
    at(refund("loan_a", 25_000), "2026-11-20T12:00:00Z"),
    at(fund("loan_next", 60_000, 1_800), "2026-12-01T00:00:00Z"),
  ];

  it("opens with what was owed, lists the month's movements, and closes on the ledger's figure", () => {
    const statement = buildStatement({
      merchantId,
      merchantName: 'Acme, Pest & "Control"',
      month: "2026-11",
      openingCents: 77_600,
      transactions,
    });
    expect(statement.lines.map((l) => [l.kind, l.amountCents, l.feeCents, l.netCents])).toEqual([
      ["disbursement", 100_000, -3_000, 97_000],
      ["payout", -174_600, 0, -174_600],
      ["refund", -25_000, 750, -24_250],
    ]);
    // The closing balance is what the ledger's lines up to the month's end say.
    const all = computePayouts(
      merchantId,
      transactions.filter((t) => t.createdAt < new Date("2026-12-01T00:00:00Z")),
      new Date("2026-12-01T00:00:00Z"),
    );
    expect(statement.closingCents).toBe(all.owedCents);
    expect(statement.closingCents).toBe(-24_250);
  });

  it("as CSV: opening, one row per movement with a running balance, closing", () => {
    const csv = statementCsv(
      buildStatement({
        merchantId,
        merchantName: "Acme",
        month: "2026-11",
        openingCents: 77_600,
        transactions,
      }),
    );
    const rows = csv.trimEnd().split("\r\n");
    expect(rows[0]).toBe("date,type,description,loan_id,application_id,amount,fee,net,balance");
    expect(rows[1]).toBe(
      "2026-11-01,opening_balance,Owed to you at the start of the month,,,,,,776.00",
    );
    expect(rows[2]).toBe(
      "2026-11-02T10:00:00.000Z,disbursement,Loan funded: amount less the merchant fee,loan_a,app_loan_a,1000.00,-30.00,970.00,1746.00",
    );
    expect(rows.at(-1)).toBe(
      "2026-11-30,closing_balance,Owed to you at the end of the month,,,-996.00,-22.50,-1018.50,-242.50",
    );
    expect(rows).toHaveLength(6);
  });

  it("refuses a month that is not YYYY-MM", () => {
    expect(() => monthWindow("2026-13")).toThrow(StatementMonthError);
    expect(() => monthWindow("26-11")).toThrow(StatementMonthError);
    expect(monthWindow("2026-12").to).toEqual(new Date("2027-01-01T00:00:00Z"));
  });

  it("a busy month's PDF shows totals per day and type that add up to the movements", () => {
    const many = Array.from({ length: statementPdfLineLimit + 1 }, (_, i) =>
      at(
        fund(`loan_${i}`, 10_000, 300),
        `2026-11-${String(1 + (i % 3)).padStart(2, "0")}T09:00:00Z`,
      ),
    );
    const statement = buildStatement({
      merchantId,
      merchantName: "Busy",
      month: "2026-11",
      openingCents: 0,
      transactions: many,
    });
    const { grouped, rows } = statementPdfRows(statement);
    expect(grouped).toBe(true);
    expect(rows.map((r) => [r.date, r.what])).toEqual([
      ["2026-11-01", "167 movements"],
      ["2026-11-02", "167 movements"],
      ["2026-11-03", "167 movements"],
    ]);
    expect(rows.reduce((sum, r) => sum + r.netCents, 0)).toBe(statement.totals.netCents);
    expect(statementPdfRows({ ...statement, lines: statement.lines.slice(0, 2) }).grouped).toBe(
      false,
    );
  });
});
