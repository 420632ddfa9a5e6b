import { describe, expect, it } from "vitest";
import { RateLimitGate, remainingBudget, windowStartFor } from "./rate-limit";

const limit = { max: 100, perMs: 60_000 };

describe("rate-limit bookkeeping", () => {
  it("aligns windows on multiples of perMs", () => {
    expect(windowStartFor(120_000, 60_000)).toBe(120_000);
    expect(windowStartFor(179_999, 60_000)).toBe(120_000);
    expect(windowStartFor(180_000, 60_000)).toBe(180_000);
  });

  it("computes what is left of the current window", () => {
    expect(remainingBudget(limit, undefined, 130_000)).toBe(100);
    expect(remainingBudget(limit, { windowStart: 120_000, used: 40 }, 130_000)).toBe(60);
    expect(remainingBudget(limit, { windowStart: 120_000, used: 100 }, 179_999)).toBe(0);
    expect(remainingBudget(limit, { windowStart: 120_000, used: 120 }, 150_000)).toBe(0);
    // A stored window that has ended leaves the whole budget.
    expect(remainingBudget(limit, { windowStart: 120_000, used: 100 }, 180_000)).toBe(100);
  });

  it("closes a kind's gate until its exhausted window ends", () => {
    const gate = new RateLimitGate();
    expect(gate.isOpen("create-loan", 130_000)).toBe(true);
    gate.record("create-loan", limit, { windowStart: 120_000, used: 99 });
    expect(gate.isOpen("create-loan", 130_000)).toBe(true);
    gate.record("create-loan", limit, { windowStart: 120_000, used: 100 });
    expect(gate.isOpen("create-loan", 130_000)).toBe(false);
    expect(gate.isOpen("send-sms", 130_000)).toBe(true);
    expect(gate.isOpen("create-loan", 179_999)).toBe(false);
    expect(gate.isOpen("create-loan", 180_000)).toBe(true);
  });
});
