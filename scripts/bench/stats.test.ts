import { describe, expect, it } from "vitest";
import { latencySummary, percentile, roundTo } from "./stats";

describe("bench statistics", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it("take the nearest-rank percentile", () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7, 9, 30], 50)).toBe(9);
    expect(percentile([4], 99)).toBe(4);
    expect(percentile([], 50)).toBe(0);
  });

  it("summarise unsorted samples, rounded", () => {
    expect(latencySummary([3.456, 1.234, 2.345], 1)).toEqual({
      samples: 3,
      p50: 2.3,
      p95: 3.5,
      p99: 3.5,
      max: 3.5,
    });
    expect(roundTo(1234.5678, 2)).toBe(1234.57);
    expect(roundTo(2.5)).toBe(3);
  });
});
