/**
 * A merchant's payouts and monthly statement, pure, from its ledger transactions
 * (docs/product/merchants-and-money.md, "The money after the signature"; ADR 057). Nothing here
 * is stored: every figure is derived from the ledger's lines, so a statement always reconciles
 * with the ledger it was read from.
 *
 * For each ledger transaction of the merchant:
 *   net    = the change in what FlowPay owes the merchant (minus the merchant account's line);
 *   fee    = the merchant fee charged (negative) or returned (positive): the fee revenue line;
 *   amount = net − fee: what moved before the fee (disbursed +, refunded −, paid out −,
 *            collected from the merchant +).
 *
 * A refund's clawback (the refund less the fee returned in proportion) is not collected on its
 * own: it lowers what is owed, so the next payout is smaller by it ("netted from later
 * payouts"). Only while what is owed is negative does the merchant owe FlowPay money, carried
 * into the payouts after it.
 */
import { accounts, type LedgerKind } from "./ledger";

export type MerchantLedgerTransaction = {
  transactionId: string;
  kind: LedgerKind;
  createdAt: Date;
  loanId: string | null;
  applicationId: string | null;
  lines: { account: string; amountCents: number }[];
};

export type StatementLine = {
  transactionId: string;
  date: Date;
  kind: LedgerKind;
  loanId: string | null;
  applicationId: string | null;
  description: string;
  amountCents: number;
  feeCents: number;
  netCents: number;
};

const descriptions: Record<LedgerKind, string> = {
  disbursement: "Loan funded: amount less the merchant fee",
  refund: "Refund to the customer, less the merchant fee returned",
  payout: "Payout to your bank account",
  clawback: "Payment received from you",
  lender_settlement: "Lender settlement",
};

/** One ledger transaction as a statement line of merchant `merchantId`. */
export function statementLine(
  merchantId: string,
  transaction: MerchantLedgerTransaction,
): StatementLine {
  const account = accounts.merchant(merchantId);
  let merchantLine = 0;
  let fee = 0;
  for (const line of transaction.lines) {
    if (line.account === account) merchantLine += line.amountCents;
    else if (line.account === accounts.feeRevenue) fee += line.amountCents;
  }
  const net = 0 - merchantLine;
  return {
    transactionId: transaction.transactionId,
    date: transaction.createdAt,
    kind: transaction.kind,
    loanId: transaction.loanId,
    applicationId: transaction.applicationId,
    description: descriptions[transaction.kind] ?? transaction.kind,
    amountCents: net - fee,
    feeCents: fee,
    netCents: net,
  };
}

function byTime(
  a: { date: Date; transactionId: string },
  b: { date: Date; transactionId: string },
) {
  const diff = a.date.getTime() - b.date.getTime();
  return diff !== 0 ? diff : a.transactionId < b.transactionId ? -1 : 1;
}

// ---- payouts ----------------------------------------------------------------------------------

/** Payouts go out every business day (Monday to Friday, UTC) for what is owed the day before. */
export function nextPayoutDate(now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  do {
    day.setUTCDate(day.getUTCDate() + 1);
  } while (day.getUTCDay() === 0 || day.getUTCDay() === 6);
  return day.toISOString().slice(0, 10);
}

export type Clawback = {
  transactionId: string;
  date: Date;
  loanId: string | null;
  applicationId: string | null;
  refundedCents: number;
  feeReturnedCents: number;
  /** refunded − fee returned: what the merchant gives back. */
  clawbackCents: number;
  /** The payout (or payment from the merchant) it was netted from; null: the next payout. */
  nettedOn: Date | null;
};

export type MerchantPayouts = {
  /** Disbursements less fees: what the merchant earned from funded loans. */
  earnedCents: number;
  disbursedCents: number;
  feesCents: number;
  refundedCents: number;
  feesReturnedCents: number;
  /** Refunds less the fees returned. */
  clawbacksCents: number;
  paidOutCents: number;
  /** Paid back by the merchant while it owed FlowPay money. */
  collectedCents: number;
  /** What FlowPay owes the merchant now (negative: the merchant owes FlowPay). */
  owedCents: number;
  payouts: { transactionId: string; date: Date; amountCents: number }[];
  clawbacks: Clawback[];
  next: {
    /** YYYY-MM-DD */
    date: string;
    /** What the next payout will be if nothing else moves (never negative). */
    amountCents: number;
    /** Clawbacks since the last payout, already taken off `amountCents`. */
    clawbacksNettedCents: number;
    /** What the merchant still owes FlowPay after it (netted from the payouts after it). */
    carriedCents: number;
  };
};

/**
 * The payouts view of a merchant's ledger transactions: totals, past payouts, each refund's
 * clawback and where it was netted, and the next payout. By construction
 * `owedCents = earnedCents − clawbacksCents − paidOutCents + collectedCents`.
 */
export function computePayouts(
  merchantId: string,
  transactions: readonly MerchantLedgerTransaction[],
  now: Date,
): MerchantPayouts {
  const lines = transactions.map((t) => statementLine(merchantId, t)).sort(byTime);
  const result: MerchantPayouts = {
    earnedCents: 0,
    disbursedCents: 0,
    feesCents: 0,
    refundedCents: 0,
    feesReturnedCents: 0,
    clawbacksCents: 0,
    paidOutCents: 0,
    collectedCents: 0,
    owedCents: 0,
    payouts: [],
    clawbacks: [],
    next: { date: nextPayoutDate(now), amountCents: 0, clawbacksNettedCents: 0, carriedCents: 0 },
  };
  let waiting: Clawback[] = [];
  for (const line of lines) {
    result.owedCents += line.netCents;
    if (line.kind === "disbursement") {
      result.disbursedCents += line.amountCents;
      result.feesCents -= line.feeCents;
      result.earnedCents += line.netCents;
    } else if (line.kind === "refund") {
      const clawback: Clawback = {
        transactionId: line.transactionId,
        date: line.date,
        loanId: line.loanId,
        applicationId: line.applicationId,
        refundedCents: -line.amountCents,
        feeReturnedCents: line.feeCents,
        clawbackCents: -line.netCents,
        nettedOn: null,
      };
      result.refundedCents += clawback.refundedCents;
      result.feesReturnedCents += clawback.feeReturnedCents;
      result.clawbacksCents += clawback.clawbackCents;
      result.clawbacks.push(clawback);
      waiting.push(clawback);
    } else if (line.kind === "payout" || line.kind === "clawback") {
      if (line.kind === "payout") {
        result.paidOutCents -= line.netCents;
        result.payouts.push({
          transactionId: line.transactionId,
          date: line.date,
          amountCents: -line.netCents,
        });
      } else {
        result.collectedCents += line.netCents;
      }
      for (const clawback of waiting) clawback.nettedOn = line.date;
      waiting = [];
    }
  }
  result.next.amountCents = Math.max(0, result.owedCents);
  result.next.carriedCents = Math.max(0, -result.owedCents);
  result.next.clawbacksNettedCents = waiting.reduce((sum, c) => sum + c.clawbackCents, 0);
  return result;
}

// ---- monthly statement ------------------------------------------------------------------------

export type MonthlyStatement = {
  merchantId: string;
  merchantName: string;
  /** YYYY-MM */
  month: string;
  from: Date;
  /** Exclusive. */
  to: Date;
  /** What FlowPay owed the merchant when the month began (negative: the merchant owed). */
  openingCents: number;
  lines: StatementLine[];
  totals: { amountCents: number; feeCents: number; netCents: number };
  /** openingCents + totals.netCents: what the ledger says was owed when the month ended. */
  closingCents: number;
};

export class StatementMonthError extends Error {
  override name = "StatementMonthError";
}

/** "2026-11" → its first instant and the next month's (UTC). Throws on anything else. */
export function monthWindow(month: string): { from: Date; to: Date } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!match) throw new StatementMonthError(`${JSON.stringify(month)} is not a month (YYYY-MM)`);
  const year = Number(match[1]);
  const index = Number(match[2]) - 1;
  return { from: new Date(Date.UTC(year, index, 1)), to: new Date(Date.UTC(year, index + 1, 1)) };
}

export function buildStatement(args: {
  merchantId: string;
  merchantName: string;
  month: string;
  openingCents: number;
  transactions: readonly MerchantLedgerTransaction[];
}): MonthlyStatement {
  const { from, to } = monthWindow(args.month);
  const lines = args.transactions
    .filter((t) => t.createdAt >= from && t.createdAt < to)
    .map((t) => statementLine(args.merchantId, t))
    .sort(byTime);
  const totals = { amountCents: 0, feeCents: 0, netCents: 0 };
  for (const line of lines) {
    totals.amountCents += line.amountCents;
    totals.feeCents += line.feeCents;
    totals.netCents += line.netCents;
  }
  return {
    merchantId: args.merchantId,
    merchantName: args.merchantName,
    month: args.month,
    from,
    to,
    openingCents: args.openingCents,
    lines,
    totals,
    closingCents: args.openingCents + totals.netCents,
  };
}

/** Signed dollars with two decimals, no separators ("-12.05"): what spreadsheets read as numbers. */
export function csvDollars(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** RFC 4180 quoting, and no cell a spreadsheet would run as a formula (=, +, -, @ first). */
function csvCell(value: string): string {
  const safe = /^[=+@\t\r]/.test(value) || /^-[^\d]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export const statementCsvHeader = [
  "date",
  "type",
  "description",
  "loan_id",
  "application_id",
  "amount",
  "fee",
  "net",
  "balance",
] as const;

/**
 * The statement as CSV (RFC 4180, CRLF): an opening row, one row per ledger transaction with the
 * running balance, a closing row — the last balance is the ledger's closing figure.
 */
export function statementCsv(statement: MonthlyStatement): string {
  const rows: string[][] = [[...statementCsvHeader]];
  const first = statement.from.toISOString().slice(0, 10);
  rows.push([
    first,
    "opening_balance",
    "Owed to you at the start of the month",
    "",
    "",
    "",
    "",
    "",
    csvDollars(statement.openingCents),
  ]);
  let balance = statement.openingCents;
  for (const line of statement.lines) {
    balance += line.netCents;
    rows.push([
      line.date.toISOString(),
      line.kind,
      line.description,
      line.loanId ?? "",
      line.applicationId ?? "",
      csvDollars(line.amountCents),
      csvDollars(line.feeCents),
      csvDollars(line.netCents),
      csvDollars(balance),
    ]);
  }
  const last = new Date(statement.to.getTime() - 86_400_000).toISOString().slice(0, 10);
  rows.push([
    last,
    "closing_balance",
    "Owed to you at the end of the month",
    "",
    "",
    csvDollars(statement.totals.amountCents),
    csvDollars(statement.totals.feeCents),
    csvDollars(statement.totals.netCents),
    csvDollars(statement.closingCents),
  ]);
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** Up to this many movements, the PDF lists each one; beyond it, their totals per day and type. */
export const statementPdfLineLimit = 500;

export type StatementPdfRow = {
  date: string;
  kind: LedgerKind;
  /** The loan and application, or "12 movements" for a day's total. */
  what: string;
  amountCents: number;
  feeCents: number;
  netCents: number;
};

/**
 * The PDF's movement rows: each movement of a small month; for a busy merchant's month (ten
 * thousand loans would be hundreds of pages) one row per day and type — the CSV keeps every
 * movement, and both close on the same balance.
 */
export function statementPdfRows(statement: MonthlyStatement): {
  grouped: boolean;
  rows: StatementPdfRow[];
} {
  const day = (line: StatementLine) => line.date.toISOString().slice(0, 10);
  if (statement.lines.length <= statementPdfLineLimit) {
    return {
      grouped: false,
      rows: statement.lines.map((line) => ({
        date: day(line),
        kind: line.kind,
        what: [line.loanId, line.applicationId].filter(Boolean).join(" / ") || "-",
        amountCents: line.amountCents,
        feeCents: line.feeCents,
        netCents: line.netCents,
      })),
    };
  }
  const groups = new Map<string, StatementPdfRow & { count: number }>();
  for (const line of statement.lines) {
    const key = `${day(line)} ${line.kind}`;
    const group = groups.get(key) ?? {
      date: day(line),
      kind: line.kind,
      what: "",
      amountCents: 0,
      feeCents: 0,
      netCents: 0,
      count: 0,
    };
    group.count += 1;
    group.amountCents += line.amountCents;
    group.feeCents += line.feeCents;
    group.netCents += line.netCents;
    groups.set(key, group);
  }
  return {
    grouped: true,
    rows: [...groups.values()].map(({ count, ...row }) => ({
      ...row,
      what: `${count} ${count === 1 ? "movement" : "movements"}`,
    })),
  };
}
