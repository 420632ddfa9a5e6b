/**
 * The bank summary decisioning reads, computed from Plaid's accounts (with balances) and
 * transactions. Pure: no clock (the summary date `asOf` is an input), no I/O. The input
 * types use Plaid's own field names, so the SDK's `AccountBase` / `Transaction` objects
 * fit as they are, and the sandbox feeds hand-written data through the same code.
 *
 * ## The formula
 *
 * Sign convention (Plaid's): a transaction's `amount` is positive for money **out** of the
 * account and negative for money **in**. Every amount becomes whole cents first
 * (`Math.round(amount × 100)`), and all arithmetic is on integers.
 *
 * **What counts.** Only depository accounts (`type === "depository"`: checking, savings,
 * money market, …) in US dollars (`iso_currency_code` "USD" or null). Credit cards, loans
 * and investment accounts are ignored, and so are their transactions. Pending
 * transactions are ignored (they are not in the posted balance yet), and so are
 * transactions of accounts that are not counted.
 *
 * **Balances.** An account's balance now is `current`, or `available` when `current` is
 * null, or 0 when both are. `currentBalanceCents` = the sum over counted accounts.
 *
 * **The period** runs from the date of the oldest counted transaction to `asOf` (or to
 * the newest transaction, if that is later), both days included: `daysOfHistory` days.
 * No counted transactions: `daysOfHistory` = 0.
 *
 * **Daily balances.** Each account's end-of-day balance is run *backwards* from its
 * balance now: the last day of the period ends at the balance now, and
 * `endOfDay(d − 1) = endOfDay(d) + Σ amounts posted on d` (undoing day d). The day before
 * the period starts ends at the account's *opening* balance. The combined balance of a
 * day is the sum over the counted accounts.
 *
 * - `averageBalanceCents` = mean of the combined end-of-day balances over the period's
 *   days, rounded to the cent (halves away from zero); with no history, the balance now.
 * - `minimumBalanceCents` = lowest combined end-of-day balance in the period (negative when
 *   overdrawn overall); with no history, the balance now.
 *
 * **Fees.** An NSF / overdraft fee is a counted outflow (amount > 0) that is, by any of:
 * - Plaid's personal finance category: `detailed` is `BANK_FEES_OVERDRAFT_FEES` or
 *   `BANK_FEES_INSUFFICIENT_FUNDS` (or any `BANK_FEES_*` naming overdraft / insufficient
 *   funds / NSF);
 * - Plaid's legacy `category`: contains "Overdraft" or "Insufficient Funds";
 * - its name (or merchant name): "NSF", "overdraft", "insufficient funds", "OD fee",
 *   "returned item" — unless the name says it is a transfer ("overdraft protection
 *   transfer" moves the customer's own money; it is not a fee).
 *
 * `nsfCount` = the number of such fees.
 *
 * **Overdrafts.** An overdraft *episode* is a run of consecutive days on which one
 * account's end-of-day balance is below 0; each account counts its own (an overdrawn
 * checking account is overdrawn even when savings could cover it). An account already
 * below 0 at the start of the period (or, with no history, now) counts one episode.
 * `overdraftCount` = episodes + `nsfCount` (as the interface defines it).
 *
 * **Income deposits.** A counted inflow (amount < 0) is an income deposit when either
 * 1. *by category or name*: Plaid's personal finance category `primary` is `INCOME`
 *    (except `INCOME_DIVIDENDS`, `INCOME_INTEREST_EARNED`, `INCOME_TAX_REFUND` and any
 *    refund), or the legacy `category` contains "Payroll", or the name reads like payroll
 *    ("payroll", "direct dep", "dir dep", "salary", "PPD … pay");
 * 2. *recurring same payer*: not excluded (below), at least $100, and from a payer
 *    (merchant name, else name; lower-cased, digits and punctuation dropped) that paid at
 *    least twice, on dates at least 7 days apart, with amounts within ±25 % of that
 *    payer's median deposit (the deposits outside that band are not counted).
 *
 *    Excluded from rule 2: transfers between the customer's own accounts
 *    (`TRANSFER_IN_ACCOUNT_TRANSFER`, `TRANSFER_IN_SAVINGS`, legacy "Transfer" without
 *    "Payroll"/"Deposit", names with "transfer"/"xfer"), loans and cash advances
 *    (`TRANSFER_IN_CASH_ADVANCES_AND_LOANS`, `LOAN_*`), refunds and reversals, interest,
 *    dividends and tax refunds. `TRANSFER_IN_DEPOSIT` (cash or check deposits) counts
 *    when it recurs.
 *
 * - `incomeDepositCount` = the number of income deposits.
 * - `monthlyIncomeDepositsCents` = their total × 30 / max(`daysOfHistory`, 30), rounded to
 *   the cent: a month is 30 days, and less than a month of history is not extrapolated.
 * - `monthsObserved` = ⌊`daysOfHistory` / 30⌋, at least 1 when there is any history.
 *   `incomeDepositMonths` = how many of the `monthsObserved` 30-day windows counted back
 *   from the period's last day (days 1–30, 31–60, …) hold an income deposit.
 *
 * **Accounts.** `accountCount` = counted accounts; `accountMasks` = their masks, last 4
 * characters only, in Plaid's order (accounts without a mask are left out).
 */
import { type BankSummary } from "./types";

export type SummaryAccount = {
  account_id: string;
  /** "depository", "credit", "loan", "investment", … */
  type: string;
  subtype?: string | null;
  mask?: string | null;
  balances: {
    available: number | null;
    current: number | null;
    iso_currency_code?: string | null;
  };
};

export type SummaryTransaction = {
  transaction_id: string;
  account_id: string;
  /** Plaid's sign: positive = money out, negative = money in. Dollars. */
  amount: number;
  /** YYYY-MM-DD (the posted date). */
  date: string;
  name: string;
  merchant_name?: string | null;
  pending: boolean;
  /** Legacy Plaid category hierarchy, e.g. ["Transfer", "Payroll"]. */
  category?: string[] | null;
  personal_finance_category?: { primary: string; detailed: string } | null;
};

export type SummaryInput = {
  accounts: readonly SummaryAccount[];
  transactions: readonly SummaryTransaction[];
  /** The summary date, YYYY-MM-DD: the day the balances were read. */
  asOf: string;
};

/** The tunable constants of the formula above, in one place. */
export const summaryRules = {
  daysPerMonth: 30,
  recurringMinimumCents: 10_000,
  recurringMinimumSpacingDays: 7,
  recurringAmountBand: 0.25,
} as const;

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date (UTC, so no daylight-saving surprises). */
export function dayNumber(date: string): number {
  if (!ISO_DATE.test(date)) throw new RangeError(`Not a YYYY-MM-DD date: ${date}`);
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`Not a valid date: ${date}`);
  return Math.round(ms / DAY_MS);
}

export function toCents(amount: number): number {
  if (!Number.isFinite(amount)) throw new RangeError(`Not a finite amount: ${amount}`);
  return Math.round(amount * 100);
}

/** n / d rounded to the nearest integer, halves away from zero (d > 0, both integers). */
function divRound(n: number, d: number): number {
  const q = Math.floor((2 * Math.abs(n) + d) / (2 * d));
  return n < 0 ? -q : q;
}

function isCountedAccount(account: SummaryAccount): boolean {
  const currency = account.balances.iso_currency_code;
  return account.type === "depository" && (currency == null || currency === "USD");
}

function balanceNowCents(account: SummaryAccount): number {
  const { current, available } = account.balances;
  if (current != null) return toCents(current);
  if (available != null) return toCents(available);
  return 0;
}

function words(t: SummaryTransaction): string {
  return `${t.name} ${t.merchant_name ?? ""}`;
}

const FEE_NAME = /\bNSF\b|\bover ?draft|\binsufficient funds\b|\bOD fee\b|\breturned item\b/i;
const TRANSFER_NAME = /\btransfer\b|\bxfer\b/i;

/** An NSF / overdraft fee (see the formula). Only outflows can be fees. */
export function isNsfOrOverdraftFee(t: SummaryTransaction): boolean {
  if (toCents(t.amount) <= 0) return false;
  const pfc = t.personal_finance_category;
  if (pfc) {
    const detailed = pfc.detailed.toUpperCase();
    if (detailed === "BANK_FEES_OVERDRAFT_FEES" || detailed === "BANK_FEES_INSUFFICIENT_FUNDS") {
      return true;
    }
    if (detailed.startsWith("BANK_FEES") && /OVERDRAFT|INSUFFICIENT|NSF/.test(detailed)) {
      return true;
    }
  }
  const legacy = (t.category ?? []).map((c) => c.toLowerCase());
  if (legacy.includes("overdraft") || legacy.includes("insufficient funds")) return true;
  const text = words(t);
  return FEE_NAME.test(text) && !TRANSFER_NAME.test(text);
}

const PAYROLL_NAME = /\bpayroll\b|\bdirect dep|\bdir dep\b|\bsalary\b|\bPPD\b.*\bpay\b/i;
const NOT_INCOME_DETAILED = new Set([
  "INCOME_DIVIDENDS",
  "INCOME_INTEREST_EARNED",
  "INCOME_TAX_REFUND",
]);

/** Rule 1: an inflow that is income by category or name. */
export function isIncomeByCategoryOrName(t: SummaryTransaction): boolean {
  if (toCents(t.amount) >= 0) return false;
  const pfc = t.personal_finance_category;
  if (pfc && pfc.primary.toUpperCase() === "INCOME") {
    const detailed = pfc.detailed.toUpperCase();
    return !NOT_INCOME_DETAILED.has(detailed) && !detailed.includes("REFUND");
  }
  if ((t.category ?? []).some((c) => c.toLowerCase() === "payroll")) return true;
  return PAYROLL_NAME.test(words(t));
}

const REFUND_NAME = /\brefund|\breversal\b|\breturn(ed)?\b|\bcashback\b|\binterest\b|\bdividend/i;

/** Inflows that rule 2 (recurring same payer) must not count. */
function excludedFromRecurring(t: SummaryTransaction): boolean {
  const pfc = t.personal_finance_category;
  if (pfc) {
    const primary = pfc.primary.toUpperCase();
    const detailed = pfc.detailed.toUpperCase();
    if (
      detailed === "TRANSFER_IN_ACCOUNT_TRANSFER" ||
      detailed === "TRANSFER_IN_SAVINGS" ||
      detailed === "TRANSFER_IN_CASH_ADVANCES_AND_LOANS" ||
      primary.startsWith("LOAN") ||
      detailed.startsWith("LOAN") ||
      detailed.includes("REFUND") ||
      NOT_INCOME_DETAILED.has(detailed)
    ) {
      return true;
    }
  }
  const legacy = (t.category ?? []).map((c) => c.toLowerCase());
  if (legacy.includes("transfer") && !legacy.includes("payroll") && !legacy.includes("deposit")) {
    return true;
  }
  if (legacy.includes("interest") || legacy.includes("refund")) return true;
  const text = words(t);
  return TRANSFER_NAME.test(text) || REFUND_NAME.test(text);
}

/** The payer of an inflow, for grouping: merchant name, else name; letters and spaces only. */
export function payerKey(t: SummaryTransaction): string {
  const raw = t.merchant_name?.trim() || t.name;
  return raw
    .toLowerCase()
    .replace(/[^a-z]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

// Loops, not Math.min(...list): a long history must not overflow the argument list.
function minOf(list: readonly number[]): number {
  let min = Infinity;
  for (const n of list) if (n < min) min = n;
  return min;
}
function maxOf(list: readonly number[]): number {
  let max = -Infinity;
  for (const n of list) if (n > max) max = n;
  return max;
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rule 2: the inflows that are recurring deposits from the same payer. */
function recurringDeposits(candidates: SummaryTransaction[]): Set<string> {
  const byPayer = new Map<string, SummaryTransaction[]>();
  for (const t of candidates) {
    if (-toCents(t.amount) < summaryRules.recurringMinimumCents) continue;
    if (excludedFromRecurring(t)) continue;
    const key = payerKey(t);
    if (!key) continue;
    const list = byPayer.get(key) ?? [];
    list.push(t);
    byPayer.set(key, list);
  }
  const recognised = new Set<string>();
  for (const deposits of byPayer.values()) {
    if (deposits.length < 2) continue;
    const amounts = deposits.map((t) => -toCents(t.amount)).sort((a, b) => a - b);
    const mid = median(amounts);
    const band = mid * summaryRules.recurringAmountBand;
    const kept = deposits.filter((t) => Math.abs(-toCents(t.amount) - mid) <= band);
    if (kept.length < 2) continue;
    const days = kept.map((t) => dayNumber(t.date));
    if (maxOf(days) - minOf(days) < summaryRules.recurringMinimumSpacingDays) continue;
    for (const t of kept) recognised.add(t.transaction_id);
  }
  return recognised;
}

export function summarizeBank(input: SummaryInput): BankSummary {
  const accounts = input.accounts.filter(isCountedAccount);
  const counted = new Set(accounts.map((a) => a.account_id));
  const transactions = input.transactions.filter(
    (t) => !t.pending && counted.has(t.account_id) && toCents(t.amount) !== 0,
  );

  const nowByAccount = new Map(accounts.map((a) => [a.account_id, balanceNowCents(a)]));
  const currentBalanceCents = [...nowByAccount.values()].reduce((sum, c) => sum + c, 0);
  const accountMasks = accounts
    .map((a) => a.mask?.trim())
    .filter((mask): mask is string => Boolean(mask))
    .map((mask) => mask.slice(-4));

  // Fees.
  const fees = transactions.filter(isNsfOrOverdraftFee);
  const nsfCount = fees.length;

  // Income.
  const inflows = transactions.filter((t) => toCents(t.amount) < 0);
  const byRule1 = inflows.filter(isIncomeByCategoryOrName);
  const rule1Ids = new Set(byRule1.map((t) => t.transaction_id));
  const byRule2 = recurringDeposits(inflows.filter((t) => !rule1Ids.has(t.transaction_id)));
  const income = inflows.filter(
    (t) => rule1Ids.has(t.transaction_id) || byRule2.has(t.transaction_id),
  );
  const incomeTotalCents = income.reduce((sum, t) => sum - toCents(t.amount), 0);

  if (transactions.length === 0) {
    const overdrawnNow = accounts.filter((a) => (nowByAccount.get(a.account_id) ?? 0) < 0).length;
    return {
      averageBalanceCents: currentBalanceCents,
      minimumBalanceCents: currentBalanceCents,
      currentBalanceCents,
      overdraftCount: overdrawnNow + nsfCount,
      nsfCount,
      monthlyIncomeDepositsCents: 0,
      incomeDepositCount: 0,
      daysOfHistory: 0,
      accountCount: accounts.length,
      accountMasks,
      incomeDepositMonths: 0,
      monthsObserved: 0,
    };
  }

  const txDays = transactions.map((t) => dayNumber(t.date));
  const first = minOf(txDays);
  const last = Math.max(dayNumber(input.asOf), maxOf(txDays));
  const daysOfHistory = last - first + 1;

  // Per account: the sum of amounts posted on each day of the period (index 0 = first day).
  const postedByAccount = new Map<string, number[]>();
  for (const a of accounts)
    postedByAccount.set(a.account_id, new Array<number>(daysOfHistory).fill(0));
  transactions.forEach((t, i) => {
    const posted = postedByAccount.get(t.account_id) as number[];
    const index = (txDays[i] as number) - first;
    posted[index] = (posted[index] as number) + toCents(t.amount);
  });

  const combined = new Array<number>(daysOfHistory).fill(0);
  let overdraftEpisodes = 0;
  for (const a of accounts) {
    const posted = postedByAccount.get(a.account_id) as number[];
    const endOfDay = new Array<number>(daysOfHistory);
    let balance = nowByAccount.get(a.account_id) ?? 0;
    for (let d = daysOfHistory - 1; d >= 0; d--) {
      endOfDay[d] = balance;
      balance += posted[d] as number; // undo day d: the end of day d − 1
    }
    let previous = balance; // the opening balance
    if (previous < 0) overdraftEpisodes++;
    for (let d = 0; d < daysOfHistory; d++) {
      const today = endOfDay[d] as number;
      if (today < 0 && previous >= 0) overdraftEpisodes++;
      combined[d] = (combined[d] as number) + today;
      previous = today;
    }
  }

  const sum = combined.reduce((acc, c) => acc + c, 0);
  const monthsObserved = Math.max(1, Math.floor(daysOfHistory / summaryRules.daysPerMonth));
  const windowsWithIncome = new Set<number>();
  for (const t of income) {
    const window = Math.floor((last - dayNumber(t.date)) / summaryRules.daysPerMonth);
    if (window < monthsObserved) windowsWithIncome.add(window);
  }

  return {
    averageBalanceCents: divRound(sum, daysOfHistory),
    minimumBalanceCents: minOf(combined),
    currentBalanceCents,
    overdraftCount: overdraftEpisodes + nsfCount,
    nsfCount,
    monthlyIncomeDepositsCents: divRound(
      incomeTotalCents * summaryRules.daysPerMonth,
      Math.max(daysOfHistory, summaryRules.daysPerMonth),
    ),
    incomeDepositCount: income.length,
    daysOfHistory,
    accountCount: accounts.length,
    accountMasks,
    incomeDepositMonths: windowsWithIncome.size,
    monthsObserved,
  };
}

/** YYYY-MM-DD of an instant, in UTC. */
export function isoDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}
