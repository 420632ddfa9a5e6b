import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centsToDollarInput, dollarsToCents, formatMoney } from "./dollars";

describe("formatMoney", () => {
  it("shows dollars with thousands separators and two decimals", () => {
    expect(formatMoney(0)).toBe("$0.00");
    expect(formatMoney(7)).toBe("$0.07");
    expect(formatMoney(750_000)).toBe("$7,500.00");
    expect(formatMoney(123_456_789)).toBe("$1,234,567.89");
  });

  it("keeps the sign of a negative amount, also under a dollar", () => {
    // One of the old copies printed -50 cents as "$0.50" and -1,234.56 as "$-1,234.56".
    expect(formatMoney(-50)).toBe("-$0.50");
    expect(formatMoney(-123_456)).toBe("-$1,234.56");
  });
});

describe("dollarsToCents", () => {
  it("reads what people type, exactly", () => {
    expect(dollarsToCents("1500")).toBe(150_000);
    expect(dollarsToCents("1,500.5")).toBe(150_050);
    expect(dollarsToCents("$ 25,000.00")).toBe(2_500_000);
    expect(dollarsToCents("$1,250.50")).toBe(125_050);
    expect(dollarsToCents("  0.29 ")).toBe(29); // 0.29 * 100 is 28.999… in floating point
    expect(dollarsToCents("0.07")).toBe(7);
  });

  it("refuses what is not a dollar amount, and empty input, with null", () => {
    for (const bad of ["", "  ", "1.005", "1,50", "1,2,3", "-5", "1e3", "abc", "$", "12.", ".5"]) {
      expect(dollarsToCents(bad), bad).toBeNull();
    }
    expect(dollarsToCents(null)).toBeNull();
    expect(dollarsToCents(undefined)).toBeNull();
    expect(dollarsToCents("9".repeat(20))).toBeNull();
  });

  it("reads back every form value and every displayed amount", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (cents) => {
        expect(dollarsToCents(centsToDollarInput(cents))).toBe(cents);
        expect(dollarsToCents(formatMoney(cents))).toBe(cents);
      }),
    );
  });
});
