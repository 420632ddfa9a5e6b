import DecimalJs from "decimal.js";

/**
 * The one Decimal configuration for decisioning: 40 significant digits, half-even rounding
 * (docs/product/lending.md), and never exponent notation in strings. A separate clone so nothing else
 * that uses decimal.js can change it.
 */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Decimal = DecimalJs;

export const ROUND_HALF_EVEN = DecimalJs.ROUND_HALF_EVEN;
export const ROUND_HALF_UP = DecimalJs.ROUND_HALF_UP;

/** A percentage rate written exactly: "9.990", "9.4822", "0". */
const ratePattern = /^(\d{1,2})(?:\.(\d{1,6}))?$/;

export class RateFormatError extends Error {
  override name = "RateFormatError";
}

/** Parses an exact percentage string; refuses anything else (floats, exponents, negatives). */
export function parseRate(rate: string): Decimal {
  if (typeof rate !== "string" || !ratePattern.test(rate)) {
    throw new RateFormatError(`"${String(rate)}" is not a percentage like "9.990"`);
  }
  return new Decimal(rate);
}

export function isRate(rate: unknown): rate is string {
  return typeof rate === "string" && ratePattern.test(rate);
}

/** A rate as a scaled integer: value × 10^6 (exact for every rate parseRate accepts). */
export function rateMicros(rate: string): bigint {
  const match = ratePattern.exec(rate);
  if (!match) throw new RateFormatError(`"${rate}" is not a percentage like "9.990"`);
  const [, whole, fraction = ""] = match;
  return BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, "0"));
}

/** "9.99" → "9.990": at least three decimals, more when the rate has them. */
export function formatRate(rate: string | Decimal): string {
  const value = typeof rate === "string" ? parseRate(rate) : rate;
  return value.toFixed(Math.max(3, value.decimalPlaces()));
}

/** round_half_even(numerator / denominator) for integers (denominator > 0). */
export function divRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let quotient = n / denominator;
  const twiceRemainder = (n % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) {
    quotient += 1n;
  }
  return negative ? -quotient : quotient;
}
