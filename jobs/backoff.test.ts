import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffMs, backoffRangeMs, maxBackoffExponent } from "./backoff";

describe("backoffMs", () => {
  it("is e^attempts seconds without jitter (random = 0.5)", () => {
    const half = () => 0.5;
    expect(backoffMs(1, half)).toBe(2718);
    expect(backoffMs(2, half)).toBe(7389);
    expect(backoffMs(3, half)).toBe(20086);
    expect(backoffMs(5, half)).toBe(148413);
  });

  it("stops growing after 10 attempts (~6.1 hours)", () => {
    const half = () => 0.5;
    expect(backoffMs(10, half)).toBe(22026466);
    expect(backoffMs(11, half)).toBe(backoffMs(10, half));
    expect(backoffMs(1000, half)).toBe(backoffMs(maxBackoffExponent, half));
  });

  it("treats 0 or negative attempts as the first retry", () => {
    expect(backoffMs(0, () => 0.5)).toBe(backoffMs(1, () => 0.5));
    expect(backoffMs(-3, () => 0.5)).toBe(backoffMs(1, () => 0.5));
  });

  it("jitters by ±25 % at the extremes of random()", () => {
    expect(backoffMs(1, () => 0)).toBe(backoffRangeMs(1)[0]);
    expect(backoffMs(1, () => 0.999999)).toBeLessThanOrEqual(backoffRangeMs(1)[1]);
    expect(backoffRangeMs(1)).toEqual([2039, 3398]);
  });

  it("always lands inside its range, and the range never shrinks as attempts grow", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, r) => {
          const [low, high] = backoffRangeMs(attempts);
          const delay = backoffMs(attempts, () => r);
          expect(delay).toBeGreaterThanOrEqual(low);
          expect(delay).toBeLessThanOrEqual(high);
          const [nextLow] = backoffRangeMs(attempts + 1);
          expect(nextLow).toBeGreaterThanOrEqual(low);
        },
      ),
    );
  });
});
