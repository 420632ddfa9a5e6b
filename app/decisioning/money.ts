import { Decimal, divRoundHalfEven, parseRate, rateMicros, ROUND_HALF_EVEN } from "./decimal";

/**
 * Loan arithmetic exactly as docs/product/lending.md states it. Money is integer cents; rates are exact
 * decimal strings (percent per year).
 *
 * - monthly rate r = note_rate / 12
 * - payment = P·r / (1 − (1+r)^−n), rounded half-even to the cent
 * - each month: interest = round_half_even(balance × r), principal = payment − interest
 * - the last payment is whatever brings the balance to exactly 0
 * - at 0 %: the principal divided evenly (half-even), the last payment taking the remainder
 */
export type ScheduleRow = {
  /** 1-based payment number; payment k is due k months after the loan date. */
  number: number;
  paymentCents: number;
  interestCents: number;
  principalCents: number;
  /** Balance after this payment. */
  balanceCents: number;
};

export type Amortization = {
  principalCents: number;
  noteRate: string;
  termMonths: number;
  /** The regular payment (payments 1 … n−1). */
  paymentCents: number;
  lastPaymentCents: number;
  totalOfPaymentsCents: number;
  totalInterestCents: number;
  schedule: ScheduleRow[];
};

export class LoanTermsError extends Error {
  override name = "LoanTermsError";
}

/** 1200 × 10^6: twelve months, percent, and the micro scale of rateMicros. */
const monthlyDenominator = 1_200_000_000n;

/** The level monthly payment, rounded half-even to the cent. */
export function levelPaymentCents(principalCents: number, noteRate: string, termMonths: number) {
  const rate = parseRate(noteRate);
  if (rate.isZero()) return Number(divRoundHalfEven(BigInt(principalCents), BigInt(termMonths)));
  const r = rate.div(1200);
  const factor = new Decimal(1).minus(r.plus(1).pow(-termMonths));
  return r.times(principalCents).div(factor).toDecimalPlaces(0, ROUND_HALF_EVEN).toNumber();
}

/** The full schedule of a fixed-rate installment loan. */
export function amortize(
  principalCents: number,
  noteRate: string,
  termMonths: number,
): Amortization {
  if (!Number.isSafeInteger(principalCents) || principalCents <= 0) {
    throw new LoanTermsError("principal must be a positive whole number of cents");
  }
  if (!Number.isInteger(termMonths) || termMonths < 1 || termMonths > 480) {
    throw new LoanTermsError("term must be 1 to 480 months");
  }
  const micros = rateMicros(noteRate);
  const payment = levelPaymentCents(principalCents, noteRate, termMonths);
  const schedule: ScheduleRow[] = [];
  let balance = BigInt(principalCents);
  const regular = BigInt(payment);
  let totalInterest = 0n;
  for (let number = 1; number <= termMonths; number++) {
    const interest = micros === 0n ? 0n : divRoundHalfEven(balance * micros, monthlyDenominator);
    const last = number === termMonths;
    const paymentNow = last ? balance + interest : regular;
    const principal = paymentNow - interest;
    balance -= principal;
    totalInterest += interest;
    schedule.push({
      number,
      paymentCents: Number(paymentNow),
      interestCents: Number(interest),
      principalCents: Number(principal),
      balanceCents: Number(balance),
    });
  }
  const lastRow = schedule[schedule.length - 1]!;
  if (lastRow.paymentCents <= 0 || schedule.some((row) => row.principalCents < 0)) {
    throw new LoanTermsError("these terms do not amortize (payment too small for the term)");
  }
  const totalOfPayments = payment * (termMonths - 1) + lastRow.paymentCents;
  return {
    principalCents,
    noteRate,
    termMonths,
    paymentCents: termMonths === 1 ? lastRow.paymentCents : payment,
    lastPaymentCents: lastRow.paymentCents,
    totalOfPaymentsCents: totalOfPayments,
    totalInterestCents: Number(totalInterest),
    schedule,
  };
}

/** round_half_even(amount × rate%) — e.g. an origination fee of "2.000" % on an amount. */
export function percentOfCents(amountCents: number, rate: string): number {
  return Number(divRoundHalfEven(BigInt(amountCents) * rateMicros(rate), 100_000_000n));
}

/** round_half_even(amount × bps / 10 000). */
export function basisPointsOfCents(amountCents: number, bps: number): number {
  return Number(divRoundHalfEven(BigInt(amountCents) * BigInt(bps), 10_000n));
}
