import { describe, expect, it } from "vitest";
import { asLowAs } from "./as-low-as";
import { defaultPricingTable } from "./default-pricing";
import { parseRate } from "./decimal";

const standard = {
  pricingPlan: "standard",
  merchantFeeBps: 300,
  minAmountCents: 50_000,
  maxAmountCents: 2_500_000,
};

/** Textbook level payment (float), an oracle independent of money.ts. */
function textbookPaymentCents(principalCents: number, annualRatePercent: number, months: number) {
  const r = annualRatePercent / 100 / 12;
  return Math.round((principalCents * r) / (1 - (1 + r) ** -months));
}

describe("as low as", () => {
  it("advertises the best tier's lowest payment: $7,500 over 36 months in tier A", () => {
    const result = asLowAs({
      table: defaultPricingTable,
      amountCents: 750_000,
      merchant: standard,
    });
    if (!result.ok) throw new Error("expected a price");
    const value = result.value;
    expect(value.termMonths).toBe(36);
    // Tier A: 1 % origination fee financed, 9.99 % note rate.
    expect(
      Math.abs(value.monthlyPaymentCents - textbookPaymentCents(757_500, 9.99, 36)),
    ).toBeLessThanOrEqual(1);
    // APR includes the financed fee, so it is above the note rate.
    expect(parseRate(value.apr).gt("9.990")).toBe(true);
    expect(value.promotional).toBe(false);
  });

  it("ranges span every tier that could price the amount, not only the best", () => {
    const result = asLowAs({
      table: defaultPricingTable,
      amountCents: 750_000,
      merchant: standard,
    });
    if (!result.ok) throw new Error("expected a price");
    // Tier A offers 12–36 months; the longer terms come from tiers B and C.
    expect(result.value.termRangeMonths.min).toBe(12);
    expect(result.value.termRangeMonths.max).toBeGreaterThan(36);
    expect(parseRate(result.value.aprRange.min).lt(result.value.apr)).toBe(true);
    // Tier C's rates start at 19.99 % (24 months): the top of the range is above that.
    expect(parseRate(result.value.aprRange.max).gt("19.990")).toBe(true);
  });

  it("the disclosure states repayment terms, the APR and credit approval (§1026.24(d))", () => {
    const result = asLowAs({
      table: defaultPricingTable,
      amountCents: 750_000,
      merchant: standard,
    });
    if (!result.ok) throw new Error("expected a price");
    const { disclosure, apr, termMonths } = result.value;
    expect(disclosure).toContain(`${apr}% APR`);
    expect(disclosure).toContain(`for ${termMonths} months`);
    expect(disclosure).toMatch(/monthly payments of \$\d/);
    expect(disclosure).toContain("no down payment");
    expect(disclosure).toContain("Subject to credit approval");
  });

  it("an amount the merchant or the tiers cannot finance gets no price, with the limits", () => {
    const small = asLowAs({ table: defaultPricingTable, amountCents: 10_000, merchant: standard });
    expect(small).toEqual({
      ok: false,
      reason: "amount_outside_limits",
      minAmountCents: 50_000,
      maxAmountCents: 2_500_000,
    });
    const capped = asLowAs({
      table: defaultPricingTable,
      amountCents: 2_000_000,
      merchant: { ...standard, maxAmountCents: 1_000_000 },
    });
    expect(capped.ok).toBe(false);
  });

  it("a large amount only tier A can price still gets its price and a narrower range", () => {
    const result = asLowAs({
      table: defaultPricingTable,
      amountCents: 2_000_000,
      merchant: standard,
    });
    if (!result.ok) throw new Error("expected a price");
    expect(result.value.termRangeMonths).toEqual({ min: 12, max: 36 });
  });
});
