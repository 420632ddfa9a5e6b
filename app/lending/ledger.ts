/**
 * The money ledger's rules, pure (docs/product/merchants-and-money.md, "Ledger"): every movement
 * of money is one *ledger transaction* — a set of double-entry lines whose amounts sum to zero —
 * appended in the same database transaction as the state change that causes it. Balances are
 * derived from the lines, never stored beside them.
 *
 * Sign convention: a line's `amountCents` is positive for a debit and negative for a credit.
 *
 * Accounts, by what their balance means:
 *   lender:<name>        asset — what the lender owes FlowPay's settlement account for loans it
 *                        funded, less what it has settled (positive: money on its way to us)
 *   merchant:<id>        liability — what FlowPay owes the merchant (negative balance: we owe;
 *                        positive: the merchant owes us, e.g. after a refund; netted from payouts)
 *   revenue:merchant_fees  income — merchant fees earned (credit balance)
 *   cash:settlement      asset — FlowPay's settlement bank account
 */
export const ledgerKinds = [
  "disbursement",
  "refund",
  "lender_settlement",
  "payout",
  "clawback",
] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

export type LedgerLine = { account: string; amountCents: number };

export type LedgerTransaction = {
  kind: LedgerKind;
  merchantId: string | null;
  lender: string | null;
  loanId: string | null;
  lines: LedgerLine[];
};

export const accounts = {
  lender: (name: string) => `lender:${name}`,
  merchant: (id: string) => `merchant:${id}`,
  feeRevenue: "revenue:merchant_fees",
  cash: "cash:settlement",
} as const;

export class LedgerError extends Error {
  override name = "LedgerError";
}

/** Throws unless the lines are whole cents, non-zero, on named accounts, and sum to zero. */
export function assertBalanced(transaction: LedgerTransaction): void {
  if (transaction.lines.length < 2) throw new LedgerError("a ledger transaction needs two lines");
  let sum = 0;
  for (const line of transaction.lines) {
    if (!Number.isSafeInteger(line.amountCents) || line.amountCents === 0) {
      throw new LedgerError(`line on ${line.account}: amount must be whole, non-zero cents`);
    }
    if (!/^[a-z_]+:[\w:.-]+$/.test(line.account)) {
      throw new LedgerError(`"${line.account}" is not an account`);
    }
    sum += line.amountCents;
  }
  if (sum !== 0) throw new LedgerError(`${transaction.kind} does not balance (off by ${sum})`);
}

/**
 * A disbursement of `amountCents` to the merchant for a loan: the lender owes us the amount,
 * we owe the merchant the amount less its fee, and the fee is earned.
 */
export function disbursementTransaction(args: {
  loanId: string;
  merchantId: string;
  lender: string;
  amountCents: number;
  merchantFeeCents: number;
}): LedgerTransaction {
  if (args.amountCents <= 0) throw new LedgerError("a disbursement moves a positive amount");
  if (args.merchantFeeCents < 0 || args.merchantFeeCents >= args.amountCents) {
    throw new LedgerError("the merchant fee must be at least 0 and less than the amount");
  }
  const lines: LedgerLine[] = [
    { account: accounts.lender(args.lender), amountCents: args.amountCents },
    {
      account: accounts.merchant(args.merchantId),
      amountCents: -(args.amountCents - args.merchantFeeCents),
    },
  ];
  if (args.merchantFeeCents > 0) {
    lines.push({ account: accounts.feeRevenue, amountCents: -args.merchantFeeCents });
  }
  return {
    kind: "disbursement",
    merchantId: args.merchantId,
    lender: args.lender,
    loanId: args.loanId,
    lines,
  };
}

/**
 * The part of a loan's merchant fee returned on a refund: proportional to the refunded share of
 * what was disbursed, rounded down, and so that the last refund of the whole amount returns
 * exactly what is left (rounding never strands or over-returns a cent).
 */
export function returnedFeeCents(args: {
  disbursedCents: number;
  merchantFeeCents: number;
  refundedBeforeCents: number;
  refundCents: number;
  feeReturnedBeforeCents: number;
}): number {
  const refundedAfter = args.refundedBeforeCents + args.refundCents;
  if (refundedAfter === args.disbursedCents)
    return args.merchantFeeCents - args.feeReturnedBeforeCents;
  const owedAfter = Math.floor((args.merchantFeeCents * refundedAfter) / args.disbursedCents);
  return owedAfter - args.feeReturnedBeforeCents;
}

/**
 * A refund of `refundCents` after funding: the lender reduces the loan (we owe the lender that
 * much, so its receivable shrinks), the merchant repays the refund less the proportional fee,
 * and that fee is no longer earned. Never more than what is left to refund.
 */
export function refundTransaction(args: {
  loanId: string;
  merchantId: string;
  lender: string;
  disbursedCents: number;
  merchantFeeCents: number;
  refundedBeforeCents: number;
  feeReturnedBeforeCents: number;
  refundCents: number;
}): LedgerTransaction & { feeReturnedCents: number } {
  const remaining = args.disbursedCents - args.refundedBeforeCents;
  if (!Number.isSafeInteger(args.refundCents) || args.refundCents <= 0) {
    throw new LedgerError("a refund moves a positive number of cents");
  }
  if (args.refundCents > remaining) {
    throw new LedgerError(
      `a refund of ${args.refundCents} exceeds the ${remaining} left to refund`,
    );
  }
  const feeReturned = returnedFeeCents(args);
  const lines: LedgerLine[] = [
    { account: accounts.lender(args.lender), amountCents: -args.refundCents },
    { account: accounts.merchant(args.merchantId), amountCents: args.refundCents - feeReturned },
  ];
  if (feeReturned > 0) lines.push({ account: accounts.feeRevenue, amountCents: feeReturned });
  return {
    kind: "refund",
    merchantId: args.merchantId,
    lender: args.lender,
    loanId: args.loanId,
    lines: lines.filter((line) => line.amountCents !== 0),
    feeReturnedCents: feeReturned,
  };
}

/** The lender settles (sends cash for) loans it funded: positive into our account. */
export function lenderSettlementTransaction(args: {
  lender: string;
  amountCents: number;
}): LedgerTransaction {
  if (!Number.isSafeInteger(args.amountCents) || args.amountCents === 0) {
    throw new LedgerError("a settlement moves a non-zero number of cents");
  }
  return {
    kind: "lender_settlement",
    merchantId: null,
    lender: args.lender,
    loanId: null,
    lines: [
      { account: accounts.cash, amountCents: args.amountCents },
      { account: accounts.lender(args.lender), amountCents: -args.amountCents },
    ],
  };
}

/** A payout to the merchant's bank account of what we owe it. */
export function payoutTransaction(args: {
  merchantId: string;
  amountCents: number;
}): LedgerTransaction {
  if (!Number.isSafeInteger(args.amountCents) || args.amountCents <= 0) {
    throw new LedgerError("a payout moves a positive number of cents");
  }
  return {
    kind: "payout",
    merchantId: args.merchantId,
    lender: null,
    loanId: null,
    lines: [
      { account: accounts.merchant(args.merchantId), amountCents: args.amountCents },
      { account: accounts.cash, amountCents: -args.amountCents },
    ],
  };
}

/** The merchant pays back what it owes (a negative position not covered by later payouts). */
export function clawbackTransaction(args: {
  merchantId: string;
  amountCents: number;
}): LedgerTransaction {
  if (!Number.isSafeInteger(args.amountCents) || args.amountCents <= 0) {
    throw new LedgerError("a clawback moves a positive number of cents");
  }
  return {
    kind: "clawback",
    merchantId: args.merchantId,
    lender: null,
    loanId: null,
    lines: [
      { account: accounts.cash, amountCents: args.amountCents },
      { account: accounts.merchant(args.merchantId), amountCents: -args.amountCents },
    ],
  };
}

/** Balances by account from lines (debit positive). */
export function balances(lines: Iterable<LedgerLine>): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of lines)
    result.set(line.account, (result.get(line.account) ?? 0) + line.amountCents);
  return result;
}

/** What FlowPay owes the merchant (positive) from the merchant account's balance. */
export function owedToMerchantCents(balance: number): number {
  return -balance;
}
