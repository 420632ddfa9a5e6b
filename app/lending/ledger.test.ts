import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accounts,
  assertBalanced,
  balances,
  disbursementTransaction,
  LedgerError,
  lenderSettlementTransaction,
  payoutTransaction,
  refundTransaction,
  returnedFeeCents,
  type LedgerTransaction,
} from "./ledger";
import { reconcile } from "./reconcile";

describe("ledger transactions", () => {
  it("a disbursement owes the merchant the amount less its fee and earns the fee", () => {
    const t = disbursementTransaction({
      loanId: "loan_1",
      merchantId: "mer_1",
      lender: "mock",
      amountCents: 750_000,
      merchantFeeCents: 22_500,
    });
    assertBalanced(t);
    const b = balances(t.lines);
    expect(b.get("lender:mock")).toBe(750_000);
    expect(b.get("merchant:mer_1")).toBe(-727_500);
    expect(b.get(accounts.feeRevenue)).toBe(-22_500);
  });

  it("refunds return the fee in proportion, and the whole fee by the last cent", () => {
    const base = { disbursedCents: 100_001, merchantFeeCents: 3_001 };
    const first = returnedFeeCents({
      ...base,
      refundedBeforeCents: 0,
      refundCents: 33_333,
      feeReturnedBeforeCents: 0,
    });
    expect(first).toBe(Math.floor((3_001 * 33_333) / 100_001));
    const last = returnedFeeCents({
      ...base,
      refundedBeforeCents: 33_333,
      refundCents: 66_668,
      feeReturnedBeforeCents: first,
    });
    expect(first + last).toBe(3_001);
  });

  it("refuses a refund beyond what is left, and unbalanced or fractional lines", () => {
    expect(() =>
      refundTransaction({
        loanId: "l",
        merchantId: "m",
        lender: "mock",
        disbursedCents: 1_000,
        merchantFeeCents: 30,
        refundedBeforeCents: 600,
        feeReturnedBeforeCents: 18,
        refundCents: 401,
      }),
    ).toThrow(LedgerError);
    const bad: LedgerTransaction = {
      kind: "payout",
      merchantId: "m",
      lender: null,
      loanId: null,
      lines: [
        { account: "merchant:m", amountCents: 100 },
        { account: "cash:settlement", amountCents: -99 },
      ],
    };
    expect(() => assertBalanced(bad)).toThrow(/does not balance \(off by 1\)/);
    expect(() =>
      assertBalanced({
        ...bad,
        lines: [
          { account: "merchant:m", amountCents: 0.5 },
          { account: "cash:settlement", amountCents: -0.5 },
        ],
      }),
    ).toThrow(/whole/);
  });
});

/**
 * Random lives of loans: sign, release (in up to two parts: progress payments), refund, cancel,
 * settle, pay out — in any order, including refused ones. Whatever happens, the ledger balances
 * and the merchant's position is funded − fees − refunds + returned fees − payouts.
 */
type Loan = {
  id: string;
  amountCents: number;
  feeCents: number;
  state: "signed" | "partly_released" | "released" | "canceled";
  releasedCents: number;
  feeChargedCents: number;
  refundedCents: number;
  feeReturnedCents: number;
};

const operation = fc.oneof(
  fc.record({
    op: fc.constant("sign" as const),
    amountCents: fc.integer({ min: 50_000, max: 2_500_000 }),
    feeBps: fc.integer({ min: 0, max: 900 }),
  }),
  fc.record({
    op: fc.constant("release" as const),
    loan: fc.nat(),
    progressPct: fc.constantFrom(0, 30, 50),
  }),
  fc.record({
    op: fc.constant("refund" as const),
    loan: fc.nat(),
    share: fc.double({ min: 0.01, max: 1.2, noNaN: true }),
  }),
  fc.record({ op: fc.constant("cancel" as const), loan: fc.nat() }),
  fc.record({
    op: fc.constant("settle" as const),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({
    op: fc.constant("payout" as const),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
);

describe("ledger properties", () => {
  it("balances, never refunds more than funded, and the merchant's net adds up", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (ops) => {
        const journal: LedgerTransaction[] = [];
        const loans: Loan[] = [];
        let payouts = 0;
        const post = (t: LedgerTransaction) => {
          assertBalanced(t);
          journal.push(t);
        };
        const lines = () => journal.flatMap((t) => t.lines);
        for (const step of ops) {
          const loan =
            "loan" in step && loans.length > 0 ? loans[step.loan % loans.length]! : undefined;
          if (step.op === "sign") {
            const feeCents = Math.floor((step.amountCents * step.feeBps) / 10_000);
            loans.push({
              id: `loan_${loans.length}`,
              amountCents: step.amountCents,
              feeCents,
              state: "signed",
              releasedCents: 0,
              feeChargedCents: 0,
              refundedCents: 0,
              feeReturnedCents: 0,
            });
          } else if (
            step.op === "release" &&
            loan &&
            (loan.state === "signed" || loan.state === "partly_released")
          ) {
            // Progress payments: a first part at signature, the rest on completion.
            const first = loan.state === "signed" && step.progressPct > 0;
            const amount = first
              ? Math.floor((loan.amountCents * step.progressPct) / 100)
              : loan.amountCents - loan.releasedCents;
            const fee = first
              ? Math.floor((loan.feeCents * step.progressPct) / 100)
              : loan.feeCents - loan.feeChargedCents;
            post(
              disbursementTransaction({
                loanId: loan.id,
                merchantId: "mer",
                lender: "mock",
                amountCents: amount,
                merchantFeeCents: fee,
              }),
            );
            loan.releasedCents += amount;
            loan.feeChargedCents += fee;
            loan.state = first ? "partly_released" : "released";
          } else if (step.op === "refund" && loan && loan.releasedCents > 0) {
            const refundCents = Math.max(1, Math.round(loan.releasedCents * step.share));
            const args = {
              loanId: loan.id,
              merchantId: "mer",
              lender: "mock",
              disbursedCents: loan.releasedCents,
              merchantFeeCents: loan.feeChargedCents,
              refundedBeforeCents: loan.refundedCents,
              feeReturnedBeforeCents: loan.feeReturnedCents,
              refundCents,
            };
            if (refundCents > loan.releasedCents - loan.refundedCents) {
              const before = journal.length;
              expect(() => refundTransaction(args)).toThrow(LedgerError);
              expect(journal.length).toBe(before);
              continue;
            }
            const t = refundTransaction(args);
            post(t);
            loan.refundedCents += refundCents;
            loan.feeReturnedCents += t.feeReturnedCents;
          } else if (step.op === "cancel" && loan && loan.state === "signed") {
            loan.state = "canceled"; // nothing moved yet: nothing to write
          } else if (step.op === "settle") {
            const due = balances(lines()).get(accounts.lender("mock")) ?? 0;
            const amount = Math.floor(due * step.share);
            if (amount !== 0) {
              post(lenderSettlementTransaction({ lender: "mock", amountCents: amount }));
              // Settlement never takes more than is owed, either way: the balance moves toward
              // zero without crossing it. (A refund after a settlement may then leave us owing
              // the lender — a negative balance — which the next settlement pays back.)
              const after = balances(lines()).get(accounts.lender("mock")) ?? 0;
              expect(Math.abs(after)).toBeLessThan(Math.abs(due));
              expect(after === 0 || Math.sign(after) === Math.sign(due)).toBe(true);
            }
          } else if (step.op === "payout") {
            const owed = -(balances(lines()).get(accounts.merchant("mer")) ?? 0);
            const amount = Math.floor(owed * step.share);
            if (amount > 0) {
              post(payoutTransaction({ merchantId: "mer", amountCents: amount }));
              payouts += amount;
            }
          }
        }
        const b = balances(lines());
        // Credit balances read as positive numbers (0 - x, so an empty account is +0, not -0).
        const credit = (account: string) => 0 - (b.get(account) ?? 0);
        // Every transaction balanced, so the whole ledger does.
        expect([...b.values()].reduce((s, v) => s + v, 0)).toBe(0);
        const sum = (f: (l: Loan) => number) => loans.reduce((s, l) => s + f(l), 0);
        for (const loan of loans) {
          expect(loan.refundedCents).toBeLessThanOrEqual(loan.releasedCents);
          expect(loan.feeReturnedCents).toBeLessThanOrEqual(loan.feeChargedCents);
        }
        // Fees earned never go negative.
        expect(credit(accounts.feeRevenue)).toBe(
          sum((l) => l.feeChargedCents - l.feeReturnedCents),
        );
        expect(credit(accounts.feeRevenue)).toBeGreaterThanOrEqual(0);
        // The merchant's net: funded − fees − refunds + returned fees, less what was paid out.
        const net = sum(
          (l) => l.releasedCents - l.feeChargedCents - l.refundedCents + l.feeReturnedCents,
        );
        expect(credit(accounts.merchant("mer"))).toBe(net - payouts);
        // What the lender owes: every disbursement less every refund, less what it settled.
        const settled = journal
          .filter((t) => t.kind === "lender_settlement")
          .reduce(
            (s, t) =>
              s + (t.lines.find((l) => l.account === accounts.lender("mock"))?.amountCents ?? 0),
            0,
          );
        expect(b.get(accounts.lender("mock")) ?? 0).toBe(
          sum((l) => l.releasedCents - l.refundedCents) + settled,
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe("reconciliation", () => {
  const movement = (loanId: string, kind: "disbursement" | "refund", amountCents: number) => ({
    loanId,
    kind,
    amountCents,
  });

  it("finds nothing when the lender's report and the ledger agree, in any order and split", () => {
    const ledger = [
      movement("a", "disbursement", 500),
      movement("a", "disbursement", 500),
      movement("b", "refund", 70),
    ];
    const report = [movement("b", "refund", 70), movement("a", "disbursement", 1000)];
    expect(reconcile(report, ledger)).toEqual([]);
  });

  it("names each difference: missing on either side, or a different amount", () => {
    const ledger = [movement("a", "disbursement", 1000), movement("c", "disbursement", 300)];
    const report = [movement("a", "disbursement", 999), movement("b", "disbursement", 200)];
    expect(reconcile(report, ledger)).toEqual([
      {
        loanId: "a",
        kind: "disbursement",
        issue: "amount_mismatch",
        lenderCents: 999,
        ledgerCents: 1000,
      },
      { loanId: "b", kind: "disbursement", issue: "missing_in_ledger", lenderCents: 200 },
      { loanId: "c", kind: "disbursement", issue: "missing_at_lender", ledgerCents: 300 },
    ]);
  });

  it("property: a report made from the ledger reconciles; one changed cent is found", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            loan: fc.integer({ min: 0, max: 20 }),
            kind: fc.constantFrom("disbursement" as const, "refund" as const),
            cents: fc.integer({ min: 1, max: 1_000_000 }),
          }),
          { minLength: 1, maxLength: 50 },
        ),
        fc.nat(),
        (rows, pick) => {
          const ledger = rows.map((r) => movement(`loan_${r.loan}`, r.kind, r.cents));
          expect(reconcile([...ledger].reverse(), ledger)).toEqual([]);
          const changed = ledger.map((m) => ({ ...m }));
          changed[pick % changed.length]!.amountCents += 1;
          expect(reconcile(changed, ledger)).toHaveLength(1);
        },
      ),
    );
  });
});
