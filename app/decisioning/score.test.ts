import { describe, expect, it } from "vitest";
import { bankHealth } from "./bank-health";
import { calculateScore } from "./score";
import { applicantInputs, healthyBank } from "./testing";

describe("bank health", () => {
  it("is 1 for a healthy account and 0 without one", () => {
    expect(bankHealth(healthyBank).value).toBe("1.0000");
    expect(bankHealth(null)).toEqual({ value: "0.0000", components: null });
  });

  it("weighs balance, cushion, conduct and income regularity as documented", () => {
    const health = bankHealth({
      averageBalanceCents: 125_000, // half of $2,500 → 0.5 × 0.35
      minimumBalanceCents: -2_000, // overdrawn → 0 × 0.15
      overdraftCount: 1,
      nsfCount: 1, // 2 of 4 → conduct 0.5 × 0.25
      incomeDepositMonths: 2,
      monthsObserved: 3, // 0.6667 × 0.25
    });
    expect(health.components).toEqual({
      balance: "0.5000",
      cushion: "0.0000",
      conduct: "0.5000",
      income: "0.6667",
    });
    expect(health.value).toBe("0.4667"); // 0.175 + 0 + 0.125 + 0.166666…
  });
});

describe("calculateScore (architecture document)", () => {
  it("keeps every part and rounds the exact sum", () => {
    const score = calculateScore(applicantInputs("7800"));
    expect(score).toMatchObject({
      creditScore: 780,
      incomeFactor: "1",
      kycConfidence: "1",
      parts: { credit: "312", income: "90", bank: "20", kyc: "10" },
      unrounded: "432",
      total: 432,
    });
    expect(score.bankHealth.value).toBe("1.0000");
  });

  it("caps income at $5,000 and uses 0 for a missing credit score", () => {
    const score = calculateScore(
      applicantInputs("3333", {
        application: { monthlyIncomeCents: 250_000 },
        bank: null,
        kyc: { confidence: "0.50" },
      }),
    );
    expect(score.parts).toEqual({ credit: "0", income: "45", bank: "0", kyc: "5" });
    expect(score.total).toBe(50);
  });

  it("rounds half up like Math.round (exactly, not in floating point)", () => {
    // 701 × 0.4 = 280.4; income 4,150/5,000 × 90 = 74.7; bank 20; kyc 0.9 × 10 = 9 → 384.1
    expect(
      calculateScore(
        applicantInputs("7010", {
          application: { monthlyIncomeCents: 415_000 },
          kyc: { confidence: "0.90" },
        }),
      ).total,
    ).toBe(384);
    // 0.4 × 702 = 280.8, income 3,000/5,000 × 90 = 54, bank 20, kyc 0.17 × 10 = 1.7 → 356.5 → 357
    const half = calculateScore(
      applicantInputs("7020", {
        application: { monthlyIncomeCents: 300_000 },
        kyc: { confidence: "0.17" },
      }),
    );
    expect(half.unrounded).toBe("356.5");
    expect(half.total).toBe(357);
  });
});
