import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appendixJApr, appendixJResidual } from "./apr";
import { divRoundHalfEven, formatRate, parseRate, RateFormatError } from "./decimal";
import { amortize, levelPaymentCents, LoanTermsError, percentOfCents } from "./money";

describe("docs/product/lending.md public vectors", () => {
  it("$100.00 at 9.4822 % for 6 months (Apache Fineract's ProgressiveEMICalculatorTest)", () => {
    const loan = amortize(10_000, "9.4822", 6);
    expect(loan.paymentCents).toBe(1713);
    expect(loan.lastPaymentCents).toBe(1713);
    expect(loan.totalOfPaymentsCents).toBe(10_278);
    expect(loan.schedule.map((row) => row.interestCents)).toEqual([79, 66, 53, 40, 27, 13]);
    expect(
      appendixJApr(
        10_000,
        loan.schedule.map((row) => row.paymentCents),
        4,
      ),
    ).toBe("9.4694");
  });

  it("$5,000.00 at 9.99 % for 36 months: the last payment is adjusted", () => {
    const loan = amortize(500_000, "9.99", 36);
    expect(loan.paymentCents).toBe(16_131);
    expect(loan.lastPaymentCents).toBe(16_140);
    expect(loan.totalOfPaymentsCents).toBe(580_725);
    expect(
      appendixJApr(
        500_000,
        loan.schedule.map((row) => row.paymentCents),
        4,
      ),
    ).toBe("9.9899");
    expect(
      appendixJApr(
        500_000,
        loan.schedule.map((row) => row.paymentCents),
      ),
    ).toBe("9.990");
  });
});

describe("rounding and rates", () => {
  it("rounds half to even, to the cent", () => {
    expect(divRoundHalfEven(5n, 2n)).toBe(2n); // 2.5 → 2
    expect(divRoundHalfEven(7n, 2n)).toBe(4n); // 3.5 → 4
    expect(divRoundHalfEven(-5n, 2n)).toBe(-2n);
    expect(divRoundHalfEven(251n, 100n)).toBe(3n);
    expect(percentOfCents(12_345, "2.000")).toBe(247); // 246.9
    expect(percentOfCents(125, "2.000")).toBe(2); // 2.5 → 2
    expect(percentOfCents(175, "2.000")).toBe(4); // 3.5 → 4
  });

  it("accepts rates only as exact decimal strings", () => {
    expect(formatRate("9.99")).toBe("9.990");
    expect(formatRate("9.4822")).toBe("9.4822");
    for (const bad of ["9.99%", "-1", "1e2", "", "9.", "100.0"]) {
      expect(() => parseRate(bad)).toThrow(RateFormatError);
    }
    expect(() => parseRate(9.99 as unknown as string)).toThrow(RateFormatError);
  });

  it("refuses terms that cannot amortize instead of producing a negative payment", () => {
    expect(() => amortize(10_002, "31.486", 115)).toThrow(LoanTermsError);
  });

  it("a 0 % loan divides the principal evenly, the last payment taking the remainder", () => {
    const loan = amortize(100_000, "0", 12);
    expect(loan.paymentCents).toBe(8_333);
    expect(loan.lastPaymentCents).toBe(8_337);
    expect(loan.totalInterestCents).toBe(0);
    expect(loan.totalOfPaymentsCents).toBe(100_000);
    expect(
      appendixJApr(
        100_000,
        loan.schedule.map((row) => row.paymentCents),
      ),
    ).toBe("0.000");
  });
});

const rateArb = fc
  .integer({ min: 0, max: 35_999 })
  .map((thousandths) => (thousandths / 1000).toFixed(3));

describe("amortization properties", () => {
  it("principal sums to the principal, payments are equal but the last, the balance ends at 0", () => {
    fc.assert(
      fc.property(
        // From the product's $500 minimum; far smaller loans over long terms at high rates
        // do not amortize by docs/product/lending.md's rounding (amortize refuses them).
        fc.integer({ min: 50_000, max: 10_000_000 }),
        rateArb,
        fc.integer({ min: 1, max: 120 }),
        (principal, rate, months) => {
          const loan = amortize(principal, rate, months);
          const rows = loan.schedule;
          expect(rows).toHaveLength(months);
          expect(rows.reduce((sum, row) => sum + row.principalCents, 0)).toBe(principal);
          expect(rows.slice(0, -1).every((row) => row.paymentCents === loan.paymentCents)).toBe(
            true,
          );
          expect(rows[rows.length - 1]!.balanceCents).toBe(0);
          expect(
            rows.every((row) => row.principalCents >= 0 && Number.isInteger(row.interestCents)),
          ).toBe(true);
          expect(loan.totalOfPaymentsCents).toBe(
            rows.reduce((sum, row) => sum + row.paymentCents, 0),
          );
          expect(loan.totalOfPaymentsCents - principal).toBe(loan.totalInterestCents);
          // The regular payment is the formula's; the last one differs only by the rounding
          // drift: at most a cent a month (payment and interest rounding), grown by interest.
          expect(loan.paymentCents).toBe(levelPaymentCents(principal, rate, months));
          const drift = months * (1 + Number(rate) / 1200) ** months + 1;
          expect(Math.abs(loan.lastPaymentCents - loan.paymentCents)).toBeLessThanOrEqual(drift);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the APR solves Appendix J's equation to within 0.001 percentage points", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50_000, max: 5_000_000 }),
        rateArb,
        fc.integer({ min: 3, max: 84 }),
        fc.integer({ min: 0, max: 5_000 }).map((bps) => (bps / 1000).toFixed(3)),
        (amount, rate, months, feeRate) => {
          const fee = percentOfCents(amount, feeRate);
          const loan = amortize(amount + fee, rate, months);
          const payments = loan.schedule.map((row) => row.paymentCents);
          const apr = appendixJApr(amount, payments);
          if (loan.totalOfPaymentsCents === amount) {
            expect(apr).toBe("0.000");
            return;
          }
          // The root lies strictly between APR − 0.001 and APR + 0.001: f changes sign.
          const below = appendixJResidual((Number(apr) - 0.001).toFixed(3), amount, payments);
          const above = appendixJResidual((Number(apr) + 0.001).toFixed(3), amount, payments);
          expect(below.isPositive()).toBe(true);
          expect(above.isNegative()).toBe(true);
          // With a fee the APR is above the note rate (an ordinary loan: at least $100 financed).
          if (fee >= 100 && Number(rate) > 0)
            expect(Number(apr)).toBeGreaterThan(Number(rate) - 0.001);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("0 % offers have zero finance charge and a 0 % APR", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50_000, max: 5_000_000 }),
        fc.integer({ min: 1, max: 60 }),
        (amount, months) => {
          const loan = amortize(amount, "0.000", months);
          expect(loan.totalOfPaymentsCents - amount).toBe(0);
          expect(
            appendixJApr(
              amount,
              loan.schedule.map((row) => row.paymentCents),
            ),
          ).toBe("0.000");
        },
      ),
      { numRuns: 200 },
    );
  });
});
