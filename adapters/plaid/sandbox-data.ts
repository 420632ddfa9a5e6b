/**
 * The sandbox banks' accounts and transactions, in Plaid's shapes, dated relative to the
 * summary date (`daysAgo`), so every summary comes out the same whatever the date — the
 * numbers are pinned in sandbox.test.ts and listed in docs/sandbox/plaid.md.
 */
import { type SummaryAccount, type SummaryTransaction } from "./summary";
import { type SandboxBankId } from "./sandbox-banks";

export type SandboxDataset = {
  accounts: SummaryAccount[];
  transactions: SummaryTransaction[];
};

type Pfc = { primary: string; detailed: string };

const pfc = (primary: string, detailed: string): Pfc => ({ primary, detailed });
const WAGES = pfc("INCOME", "INCOME_WAGES");
const RENT = pfc("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT");
const UTILITIES = pfc("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY");
const PHONE = pfc("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_TELEPHONE");
const GROCERIES = pfc("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES");
const DINING = pfc("FOOD_AND_DRINK", "FOOD_AND_DRINK_RESTAURANT");
const SHOPPING = pfc("GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_SUPERSTORES");
const GAS = pfc("TRANSPORTATION", "TRANSPORTATION_GAS");
const CAR_LOAN = pfc("LOAN_PAYMENTS", "LOAN_PAYMENTS_CAR_PAYMENT");
const SUBSCRIPTION = pfc("ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES");
const TRANSFER_OUT = pfc("TRANSFER_OUT", "TRANSFER_OUT_ACCOUNT_TRANSFER");
const TRANSFER_IN = pfc("TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER");
const P2P_IN = pfc("TRANSFER_IN", "TRANSFER_IN_DEPOSIT");
const CASH_ADVANCE = pfc("TRANSFER_IN", "TRANSFER_IN_CASH_ADVANCES_AND_LOANS");
const NSF_FEE = pfc("BANK_FEES", "BANK_FEES_INSUFFICIENT_FUNDS");

function dateDaysAgo(asOf: string, daysAgo: number): string {
  const ms = Date.parse(`${asOf}T00:00:00Z`) - daysAgo * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Collects transactions for one account; ids are `<account>-<n>`, so stable. */
function ledger(asOf: string, accountId: string, out: SummaryTransaction[]) {
  let n = 0;
  return (daysAgo: number, amount: number, name: string, category: Pfc | null) => {
    n += 1;
    out.push({
      transaction_id: `${accountId}-tx-${String(n).padStart(3, "0")}`,
      account_id: accountId,
      amount,
      date: dateDaysAgo(asOf, daysAgo),
      name,
      merchant_name: null,
      pending: false,
      category: null,
      personal_finance_category: category,
    });
  };
}

function depository(
  account_id: string,
  subtype: string,
  mask: string,
  current: number,
  available: number | null,
): SummaryAccount {
  return {
    account_id,
    type: "depository",
    subtype,
    mask,
    balances: { available, current, iso_currency_code: "USD" },
  };
}

/** Every `every` days from `from` days ago down to `to` days ago. */
function days(from: number, to: number, every: number): number[] {
  const list: number[] = [];
  for (let d = from; d >= to; d -= every) list.push(d);
  return list;
}

function healthy(asOf: string): SandboxDataset {
  const transactions: SummaryTransaction[] = [];
  const checking = "sandbox-healthy-checking";
  const savings = "sandbox-healthy-savings";
  const c = ledger(asOf, checking, transactions);
  const s = ledger(asOf, savings, transactions);

  c(89, 4.75, "BLUE BOTTLE COFFEE", DINING);
  for (const d of days(76, 1, 15)) c(d, -2600, "ACME HVAC PAYROLL PPD", WAGES);
  for (const d of days(63, 3, 30)) c(d, 1650, "OAKWOOD APARTMENTS RENT", RENT);
  for (const d of days(68, 8, 30)) c(d, 142.3, "CITY POWER & LIGHT", UTILITIES);
  for (const d of days(80, 20, 30)) c(d, 85, "VERIZON WIRELESS", PHONE);
  for (const d of days(72, 12, 30)) c(d, 389, "TOYOTA FINANCIAL SERVICES", CAR_LOAN);
  for (const d of days(86, 2, 7)) c(d, 165.4, "KROGER", GROCERIES);
  for (const d of days(88, 4, 7)) c(d, 212.6, "TARGET", SHOPPING);
  for (const d of days(85, 1, 7)) c(d, 48.25, "CHIPOTLE", DINING);
  for (const d of days(74, 14, 30)) {
    c(d, 200, "ONLINE TRANSFER TO SAVINGS", TRANSFER_OUT);
    s(d, -200, "ONLINE TRANSFER FROM CHECKING", TRANSFER_IN);
  }

  return {
    accounts: [
      depository(checking, "checking", "4821", 4_562.57, 4_530.12),
      depository(savings, "savings", "9073", 1_450, 1_450),
      {
        account_id: "sandbox-healthy-card",
        type: "credit",
        subtype: "credit card",
        mask: "3005",
        balances: { available: 4_100, current: 900, iso_currency_code: "USD" },
      },
    ],
    transactions,
  };
}

function thin(asOf: string): SandboxDataset {
  const transactions: SummaryTransaction[] = [];
  const checking = "sandbox-thin-checking";
  const c = ledger(asOf, checking, transactions);
  c(9, 12.99, "SPOTIFY", SUBSCRIPTION);
  c(7, -40, "ZELLE FROM J SMITH", P2P_IN);
  c(5, 23.5, "SHELL OIL", GAS);
  c(3, 8.75, "MCDONALDS", DINING);
  c(1, 31.2, "WALMART", SHOPPING);
  return {
    accounts: [depository(checking, "checking", "5512", 212.4, 180.15)],
    transactions,
  };
}

function overdrafts(asOf: string): SandboxDataset {
  const transactions: SummaryTransaction[] = [];
  const checking = "sandbox-overdrafts-checking";
  const c = ledger(asOf, checking, transactions);

  c(89, 18.4, "DOLLAR GENERAL", SHOPPING);
  for (const d of days(76, 6, 14)) c(d, -1050, "QUICKSTAFF PAYROLL DIR DEP", WAGES);
  for (const d of days(64, 4, 30)) c(d, 950, "MAPLE COURT RENT", RENT);
  for (const d of days(70, 10, 30)) c(d, 118.45, "CITY POWER & LIGHT", UTILITIES);
  for (const d of days(87, 3, 7)) c(d, 142.8, "WALMART SUPERCENTER", GROCERIES);
  for (const d of days(84, 0, 7)) c(d, 61.3, "SHELL OIL", GAS);
  for (const d of days(81, 1, 14)) c(d, 96.5, "AMAZON MARKETPLACE", SHOPPING);
  c(50, -300, "DAVE CASH ADVANCE", CASH_ADVANCE);
  c(36, 345, "DAVE ADVANCE REPAYMENT", null);
  // The fees: three categorised by Plaid, one recognised by its name only.
  c(58, 35, "NSF FEE RETURNED ITEM", NSF_FEE);
  c(31, 35, "NSF FEE RETURNED ITEM", NSF_FEE);
  c(30, 34, "OVERDRAFT ITEM FEE", null);
  c(2, 35, "NSF FEE RETURNED ITEM", NSF_FEE);

  return {
    accounts: [depository(checking, "checking", "7730", 38.12, null)],
    transactions,
  };
}

export function sandboxDataset(
  bank: Exclude<SandboxBankId, "link-failure">,
  asOf: string,
): SandboxDataset {
  switch (bank) {
    case "healthy":
      return healthy(asOf);
    case "thin":
      return thin(asOf);
    case "overdrafts":
      return overdrafts(asOf);
  }
}
