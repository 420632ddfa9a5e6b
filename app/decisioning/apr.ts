import { Decimal, ROUND_HALF_EVEN } from "./decimal";

/**
 * Annual percentage rate by the actuarial method of Regulation Z, Appendix J, for a loan
 * paid in monthly installments, the first one unit period (a month) after the loan date:
 *
 *     A = Σ_{k=1..n} P_k / (1 + i)^k        APR = 12 · i
 *
 * A is the amount financed, P_k the actual payments (the odd last one included). The
 * equation is solved for i by Newton's method kept inside a bisection bracket. Powers are
 * built by repeated multiplication (IEEE basic operations are exactly specified), so the
 * result is the same on every machine: a replayed decision reproduces its APR to the bit.
 */
export class AprError extends Error {
  override name = "AprError";
}

/** f(i) = Σ P_k (1+i)^−k − A and its derivative. */
function presentValue(amountFinanced: number, payments: readonly number[], i: number) {
  const v = 1 / (1 + i);
  let vk = 1;
  let value = 0;
  let slope = 0;
  for (let k = 0; k < payments.length; k++) {
    vk *= v;
    const discounted = payments[k]! * vk;
    value += discounted;
    slope -= (k + 1) * discounted * v;
  }
  return { f: value - amountFinanced, df: slope };
}

/** The periodic (monthly) rate i solving Appendix J's equation. */
export function solvePeriodicRate(amountFinancedCents: number, paymentsCents: readonly number[]) {
  if (amountFinancedCents <= 0 || paymentsCents.length === 0) {
    throw new AprError("amount financed and payments must be positive");
  }
  const total = paymentsCents.reduce((sum, p) => sum + p, 0);
  if (total === amountFinancedCents) return 0;
  if (total < amountFinancedCents) throw new AprError("payments are less than the amount financed");

  // f is decreasing in i; f(0) > 0. Find hi with f(hi) < 0.
  let lo = 0;
  let hi = 0.01;
  while (presentValue(amountFinancedCents, paymentsCents, hi).f > 0) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6) throw new AprError("no annual percentage rate below 1,200,000,000 %");
  }
  let i = (lo + hi) / 2;
  for (let iteration = 0; iteration < 200; iteration++) {
    const { f, df } = presentValue(amountFinancedCents, paymentsCents, i);
    if (f === 0) return i;
    if (f > 0) lo = i;
    else hi = i;
    let next = i - f / df;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - i) <= 1e-17 + 1e-15 * i || hi - lo <= 1e-17) return next;
    i = next;
  }
  return i;
}

/** The APR in percent as an exact decimal string ("9.469"), rounded half-even. */
export function appendixJApr(
  amountFinancedCents: number,
  paymentsCents: readonly number[],
  decimals = 3,
): string {
  const i = solvePeriodicRate(amountFinancedCents, paymentsCents);
  return new Decimal(i * 1200).toDecimalPlaces(decimals, ROUND_HALF_EVEN).toFixed(decimals);
}

/**
 * Appendix J's equation evaluated exactly (Decimal) at an APR: Σ P_k/(1+APR/1200)^k − A,
 * in cents. Positive: the APR is too low; negative: too high. Used to verify the solver.
 */
export function appendixJResidual(
  aprPercent: string,
  amountFinancedCents: number,
  paymentsCents: readonly number[],
): Decimal {
  const v = new Decimal(1).div(new Decimal(aprPercent).div(1200).plus(1));
  let vk = new Decimal(1);
  let sum = new Decimal(0);
  for (const payment of paymentsCents) {
    vk = vk.times(v);
    sum = sum.plus(vk.times(payment));
  }
  return sum.minus(amountFinancedCents);
}
