import { describe, expect, it } from "vitest";
import {
  isIncomeByCategoryOrName,
  isNsfOrOverdraftFee,
  payerKey,
  summarizeBank,
  type SummaryAccount,
  type SummaryTransaction,
} from "./summary";

const ASOF = "2025-04-30";

function account(
  id: string,
  current: number | null,
  overrides: Partial<SummaryAccount> & { available?: number | null; currency?: string | null } = {},
): SummaryAccount {
  const { available = null, currency = "USD", ...rest } = overrides;
  return {
    account_id: id,
    type: "depository",
    subtype: "checking",
    mask: "0000",
    balances: { available, current, iso_currency_code: currency },
    ...rest,
  };
}

let seq = 0;
function tx(
  accountId: string,
  date: string,
  amount: number,
  name = "SOMETHING",
  extra: Partial<SummaryTransaction> = {},
): SummaryTransaction {
  seq += 1;
  return {
    transaction_id: `t${seq}`,
    account_id: accountId,
    amount,
    date,
    name,
    merchant_name: null,
    pending: false,
    category: null,
    personal_finance_category: null,
    ...extra,
  };
}

const wages = { personal_finance_category: { primary: "INCOME", detailed: "INCOME_WAGES" } };

describe("summarizeBank: balances", () => {
  it("no transactions: average and minimum are the balance now, no history", () => {
    const s = summarizeBank({ accounts: [account("a", 1234.56)], transactions: [], asOf: ASOF });
    expect(s).toEqual({
      averageBalanceCents: 123456,
      minimumBalanceCents: 123456,
      currentBalanceCents: 123456,
      overdraftCount: 0,
      nsfCount: 0,
      monthlyIncomeDepositsCents: 0,
      incomeDepositCount: 0,
      daysOfHistory: 0,
      accountCount: 1,
      accountMasks: ["0000"],
      incomeDepositMonths: 0,
      monthsObserved: 0,
    });
  });

  it("no accounts at all: zeros", () => {
    const s = summarizeBank({ accounts: [], transactions: [], asOf: ASOF });
    expect(s.currentBalanceCents).toBe(0);
    expect(s.accountCount).toBe(0);
    expect(s.accountMasks).toEqual([]);
  });

  it("no transactions and overdrawn now: one overdraft", () => {
    const s = summarizeBank({ accounts: [account("a", -20)], transactions: [], asOf: ASOF });
    expect(s.overdraftCount).toBe(1);
    expect(s.minimumBalanceCents).toBe(-2000);
  });

  it("uses current, else available (null current), else 0", () => {
    const s = summarizeBank({
      accounts: [
        account("a", 100, { available: null }),
        account("b", null, { available: 40.5 }),
        account("c", null, { available: null }),
      ],
      transactions: [],
      asOf: ASOF,
    });
    expect(s.currentBalanceCents).toBe(10000 + 4050);
    expect(s.accountCount).toBe(3);
  });

  it("runs transactions backwards from the balance now (end-of-day balances)", () => {
    // Now 500. 04-29: −200 (in) → end of 04-28 was 300. 04-28: +100 (out) → end of 04-27 was 400.
    // Days 04-28, 04-29, 04-30 end at 300, 500, 500.
    const s = summarizeBank({
      accounts: [account("a", 500)],
      transactions: [tx("a", "2025-04-29", -200), tx("a", "2025-04-28", 100)],
      asOf: ASOF,
    });
    expect(s.daysOfHistory).toBe(3);
    expect(s.averageBalanceCents).toBe(43333); // 1300 / 3 = 433.333…
    expect(s.minimumBalanceCents).toBe(30000);
    expect(s.currentBalanceCents).toBe(50000);
  });

  it("combines several depository accounts day by day; ignores credit cards, loans, other currencies", () => {
    const s = summarizeBank({
      accounts: [
        account("chk", 100, { mask: "991234" }),
        account("sav", 1000, { subtype: "savings", mask: "5678" }),
        account("card", 700, { type: "credit", subtype: "credit card", mask: "4444" }),
        account("cad", 5000, { currency: "CAD", mask: "7777" }),
        account("nomask", 0, { mask: null }),
      ],
      transactions: [
        tx("chk", "2025-04-29", 300), // checking was 400 at the end of 04-28
        tx("sav", "2025-04-30", -50), // savings was 950 at the end of 04-29
        tx("card", "2025-04-01", 999), // ignored: not depository (else the history would be 30 days)
        tx("cad", "2025-04-02", 999), // ignored: not USD
      ],
      asOf: ASOF,
    });
    // 04-29: 100 + 950 = 1050; 04-30: 100 + 1000 = 1100.
    expect(s.daysOfHistory).toBe(2);
    expect(s.averageBalanceCents).toBe(107500);
    expect(s.minimumBalanceCents).toBe(105000);
    expect(s.currentBalanceCents).toBe(110000);
    expect(s.accountCount).toBe(3);
    expect(s.accountMasks).toEqual(["1234", "5678"]);
  });

  it("ignores pending and zero-amount transactions", () => {
    const s = summarizeBank({
      accounts: [account("a", 100)],
      transactions: [
        tx("a", "2025-04-01", 5000, "PENDING", { pending: true }),
        tx("a", "2025-04-02", 0, "ZERO"),
      ],
      asOf: ASOF,
    });
    expect(s.daysOfHistory).toBe(0);
    expect(s.averageBalanceCents).toBe(10000);
  });

  it("a transaction dated after the summary date extends the period to it", () => {
    const s = summarizeBank({
      accounts: [account("a", 100)],
      transactions: [tx("a", "2025-05-01", 10)],
      asOf: ASOF,
    });
    expect(s.daysOfHistory).toBe(1);
    expect(s.averageBalanceCents).toBe(10000);
  });

  it("rounds the average half away from zero, also when negative", () => {
    const t = summarizeBank({
      accounts: [account("a", 0.01)],
      transactions: [
        tx("a", "2025-04-29", 0),
        tx("a", "2025-04-30", -0.01),
        tx("a", "2025-04-29", 1.01),
      ],
      asOf: ASOF,
    });
    // End of 04-30: 0.01. End of 04-29: 0.00. (04-29's own transaction precedes it.)
    expect(t.averageBalanceCents).toBe(1); // 0.5 cent → 1
    const u = summarizeBank({
      accounts: [account("a", -0.01)],
      transactions: [tx("a", "2025-04-30", -0.01), tx("a", "2025-04-29", 5)],
      asOf: ASOF,
    });
    // End of 04-30: −0.01; end of 04-29: −0.02 → −0.015 → −0.02.
    expect(u.averageBalanceCents).toBe(-2);
  });
});

describe("summarizeBank: fees and overdrafts", () => {
  it("recognises NSF/overdraft fees by category, legacy category and name", () => {
    const fee = (extra: Partial<SummaryTransaction>, name = "FEE", amount = 35) =>
      tx("a", "2025-04-10", amount, name, extra);
    expect(
      isNsfOrOverdraftFee(
        fee({
          personal_finance_category: {
            primary: "BANK_FEES",
            detailed: "BANK_FEES_OVERDRAFT_FEES",
          },
        }),
      ),
    ).toBe(true);
    expect(
      isNsfOrOverdraftFee(
        fee({
          personal_finance_category: {
            primary: "BANK_FEES",
            detailed: "BANK_FEES_INSUFFICIENT_FUNDS",
          },
        }),
      ),
    ).toBe(true);
    expect(isNsfOrOverdraftFee(fee({ category: ["Bank Fees", "Overdraft"] }))).toBe(true);
    expect(isNsfOrOverdraftFee(fee({ category: ["Bank Fees", "Insufficient Funds"] }))).toBe(true);
    expect(isNsfOrOverdraftFee(fee({}, "NSF FEE"))).toBe(true);
    expect(isNsfOrOverdraftFee(fee({}, "Overdraft Item Fee"))).toBe(true);
    expect(isNsfOrOverdraftFee(fee({}, "INSUFFICIENT FUNDS CHARGE"))).toBe(true);
    expect(isNsfOrOverdraftFee(fee({}, "RETURNED ITEM FEE"))).toBe(true);
    // Not fees:
    expect(isNsfOrOverdraftFee(fee({}, "OVERDRAFT PROTECTION TRANSFER", 200))).toBe(false);
    expect(isNsfOrOverdraftFee(fee({}, "NSF FEE REFUND", -35))).toBe(false);
    expect(
      isNsfOrOverdraftFee(
        fee({
          personal_finance_category: { primary: "BANK_FEES", detailed: "BANK_FEES_ATM_FEES" },
        }),
      ),
    ).toBe(false);
    expect(isNsfOrOverdraftFee(fee({}, "MONTHLY SERVICE FEE"))).toBe(false);
  });

  it("counts a run of overdrawn days once per account, plus every fee", () => {
    // Checking now 50; each comment is that day's end-of-day balance, run backwards.
    const s = summarizeBank({
      accounts: [account("chk", 50), account("sav", 1000, { subtype: "savings" })],
      transactions: [
        tx("chk", "2025-04-20", 300), // end of 04-20: −100 (from 200) — episode 1 starts
        tx("chk", "2025-04-21", 35, "OVERDRAFT FEE"), // end of 04-21: −135
        tx("chk", "2025-04-22", -185), // end of 04-22: 50 — back above 0
        tx("chk", "2025-04-25", 80), // end of 04-25: −30 — episode 2
        tx("chk", "2025-04-26", 35, "NSF FEE"), // end of 04-26: −65
        tx("chk", "2025-04-28", -115), // end of 04-28: 50
      ],
      asOf: ASOF,
    });
    expect(s.nsfCount).toBe(2);
    expect(s.overdraftCount).toBe(2 + 2);
    // The combined balance never goes below 0 (savings covers it), the minimum says so.
    expect(s.minimumBalanceCents).toBe(-13500 + 100000);
  });

  it("an account overdrawn from the start counts one episode", () => {
    const s = summarizeBank({
      accounts: [account("a", -10)],
      transactions: [tx("a", "2025-04-28", 5)], // end of 04-27 (opening): −5
      asOf: ASOF,
    });
    expect(s.overdraftCount).toBe(1);
    expect(s.minimumBalanceCents).toBe(-1000);
  });
});

describe("summarizeBank: income", () => {
  it("recognises income by category and name; not interest, dividends, tax refunds", () => {
    const credit = (extra: Partial<SummaryTransaction>, name = "DEPOSIT") =>
      tx("a", "2025-04-10", -1000, name, extra);
    expect(isIncomeByCategoryOrName(credit(wages))).toBe(true);
    expect(isIncomeByCategoryOrName(credit({}, "ACME PAYROLL"))).toBe(true);
    expect(isIncomeByCategoryOrName(credit({}, "ACME DIRECT DEP"))).toBe(true);
    expect(isIncomeByCategoryOrName(credit({}, "GUSTO PPD ID 123 NET PAY"))).toBe(true);
    expect(isIncomeByCategoryOrName(credit({ category: ["Transfer", "Payroll"] }))).toBe(true);
    for (const detailed of ["INCOME_INTEREST_EARNED", "INCOME_DIVIDENDS", "INCOME_TAX_REFUND"]) {
      expect(
        isIncomeByCategoryOrName(
          credit({ personal_finance_category: { primary: "INCOME", detailed } }),
        ),
      ).toBe(false);
    }
    // An outflow is never income.
    expect(isIncomeByCategoryOrName(tx("a", "2025-04-10", 1000, "PAYROLL"))).toBe(false);
  });

  it("counts recurring deposits from one payer: ≥ 2, ≥ 7 days apart, amounts within ±25 %, ≥ $100", () => {
    const s = summarizeBank({
      accounts: [account("a", 5000)],
      transactions: [
        tx("a", "2025-04-04", -1200, "UBER DRIVER 1234"),
        tx("a", "2025-04-18", -1100, "UBER DRIVER 5678"), // same payer once digits are dropped
        tx("a", "2025-04-25", -3000, "UBER DRIVER 9"), // outside ±25 % of the median (1200): not counted
        tx("a", "2025-04-10", -500, "ZELLE FROM MOM"), // once only
        tx("a", "2025-04-12", -150, "CASH APP"),
        tx("a", "2025-04-14", -150, "CASH APP"), // only 2 days apart
        tx("a", "2025-04-05", -60, "CASHBACK BONUS"),
        tx("a", "2025-04-20", -60, "CASHBACK BONUS"), // refund-like and under $100
        tx("a", "2025-04-06", -400, "ONLINE TRANSFER FROM SAVINGS"),
        tx("a", "2025-04-21", -400, "ONLINE TRANSFER FROM SAVINGS"), // own money
        tx("a", "2025-04-07", -250, "DAVE", {
          personal_finance_category: {
            primary: "TRANSFER_IN",
            detailed: "TRANSFER_IN_CASH_ADVANCES_AND_LOANS",
          },
        }),
        tx("a", "2025-04-22", -250, "DAVE", {
          personal_finance_category: {
            primary: "TRANSFER_IN",
            detailed: "TRANSFER_IN_CASH_ADVANCES_AND_LOANS",
          },
        }),
        tx("a", "2025-04-01", 10, "FIRST DAY"),
      ],
      asOf: ASOF,
    });
    expect(s.incomeDepositCount).toBe(2);
    expect(s.daysOfHistory).toBe(30);
    expect(s.monthlyIncomeDepositsCents).toBe(230000);
  });

  it("monthly income: total × 30 / days, not extrapolated below 30 days", () => {
    const ninety = summarizeBank({
      accounts: [account("a", 5000)],
      transactions: [
        tx("a", "2025-01-31", 10, "FIRST DAY"), // 90 days: 01-31 … 04-30
        ...["2025-02-14", "2025-02-28", "2025-03-14", "2025-03-28", "2025-04-11", "2025-04-25"].map(
          (date) => tx("a", date, -2600, "PAYCHECK", wages),
        ),
      ],
      asOf: ASOF,
    });
    expect(ninety.daysOfHistory).toBe(90);
    expect(ninety.incomeDepositCount).toBe(6);
    expect(ninety.monthlyIncomeDepositsCents).toBe(520000); // 15,600 × 30 / 90
    expect(ninety.monthsObserved).toBe(3);
    expect(ninety.incomeDepositMonths).toBe(3);

    const tenDays = summarizeBank({
      accounts: [account("a", 500)],
      transactions: [tx("a", "2025-04-21", -900, "PAYCHECK", wages)],
      asOf: ASOF,
    });
    expect(tenDays.daysOfHistory).toBe(10);
    expect(tenDays.monthlyIncomeDepositsCents).toBe(90000);
    expect(tenDays.monthsObserved).toBe(1);
    expect(tenDays.incomeDepositMonths).toBe(1);
  });

  it("income months: 30-day windows counted back from the last day, partial oldest window dropped", () => {
    const s = summarizeBank({
      accounts: [account("a", 5000)],
      transactions: [
        tx("a", "2025-01-29", 10, "FIRST DAY"), // 92 days → 3 whole windows
        tx("a", "2025-01-30", -1000, "PAYCHECK", wages), // in the dropped 2-day remainder
        tx("a", "2025-04-20", -1000, "PAYCHECK", wages), // window 1 (04-01 … 04-30)
        tx("a", "2025-03-01", -1000, "PAYCHECK", wages), // window 3 (01-31 … 03-01)
      ],
      asOf: ASOF,
    });
    expect(s.daysOfHistory).toBe(92);
    expect(s.monthsObserved).toBe(3);
    expect(s.incomeDepositMonths).toBe(2);
    expect(s.incomeDepositCount).toBe(3);
  });

  it("payer keys ignore digits, punctuation and case", () => {
    expect(payerKey(tx("a", ASOF, -1, "ACME Corp. #1234 PAYROLL"))).toBe("acme corp payroll");
    expect(payerKey(tx("a", ASOF, -1, "x", { merchant_name: "Uber" }))).toBe("uber");
  });
});
