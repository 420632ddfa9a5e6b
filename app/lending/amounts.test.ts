import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loanAmounts } from "./amounts";

describe("loan amounts", () => {
  it("takes the merchant fee and disbursement the signed offer carries", () => {
    expect(
      loanAmounts(750_000, { merchantFeeCents: 22_500, disbursementCents: 727_500 }, 300),
    ).toEqual({ amountCents: 750_000, merchantFeeCents: 22_500, disbursementCents: 727_500 });
  });

  it("refuses an offer whose fee and disbursement do not add up to the amount", () => {
    expect(() =>
      loanAmounts(750_000, { merchantFeeCents: 22_500, disbursementCents: 727_499 }, 300),
    ).toThrow(/do not add up/);
  });

  it("computes from the merchant's basis points with half-even rounding when the offer has none", () => {
    const none = { merchantFeeCents: null, disbursementCents: null };
    // 3 % of $1,234.50 = $37.035 → $37.04 (half-even: 3703.5 → 3704)
    expect(loanAmounts(123_450, none, 300)).toEqual({
      amountCents: 123_450,
      merchantFeeCents: 3_704,
      disbursementCents: 119_746,
    });
    // 2.5 % of $1.00 = 2.5 cents → 2 (half to even)
    expect(loanAmounts(100, none, 250).merchantFeeCents).toBe(2);
  });

  it("always pays out exactly the amount minus the fee, never more than the amount", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        (amount, bps) => {
          const result = loanAmounts(
            amount,
            { merchantFeeCents: null, disbursementCents: null },
            bps,
          );
          expect(result.merchantFeeCents + result.disbursementCents).toBe(amount);
          expect(result.merchantFeeCents).toBeGreaterThanOrEqual(0);
          expect(result.disbursementCents).toBeLessThanOrEqual(amount);
        },
      ),
    );
  });
});
