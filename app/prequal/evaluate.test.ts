import { describe, expect, it } from "vitest";
import { applicantInputs, loadedPricing, loadedRuleSet } from "~/app/decisioning/testing";
import {
  prequalificationStatus,
  prequalify,
  validUntil,
  type PrequalificationInputs,
} from "./evaluate";

const inputs = (ssnLast4: string, monthlyIncomeCents = 600_000): PrequalificationInputs => {
  const { application, ...rest } = applicantInputs(ssnLast4, { bank: null, kyc: { status: null } });
  return {
    ...rest,
    application: { id: application.id, monthlyIncomeCents, housingCostCents: 150_000 },
  };
};

describe("prequalify (docs/product/merchants-and-money.md, Prequalification)", () => {
  it("a clean file is prequalified up to the merchant's limit, with sample payments, though bank and identity are still to come", () => {
    const outcome = prequalify(inputs("7800"), loadedRuleSet(), loadedPricing());
    expect(outcome.kind).toBe("prequalified");
    if (outcome.kind !== "prequalified") return;
    expect(outcome.maxAmountCents).toBeGreaterThan(0);
    expect(outcome.maxAmountCents).toBeLessThanOrEqual(2_500_000);
    expect(outcome.maxAmountCents % 100).toBe(0);
    // The offers at the maximum, and what a smaller job would cost.
    expect(outcome.samples[0]!.amountCents).toBe(outcome.maxAmountCents);
    expect(outcome.samples.some((sample) => sample.amountCents < outcome.maxAmountCents)).toBe(
      true,
    );
    for (const sample of outcome.samples) {
      expect(sample.amountCents).toBeLessThanOrEqual(outcome.maxAmountCents);
      expect(sample.monthlyPaymentCents).toBeGreaterThan(0);
      expect(sample.apr).toMatch(/^\d+\.\d{3}$/);
    }
  });

  it("a lower income lowers the maximum (the payment limit), never above the richer one's", () => {
    const rich = prequalify(inputs("7800"), loadedRuleSet(), loadedPricing());
    const poor = prequalify(inputs("7800", 160_000), loadedRuleSet(), loadedPricing());
    expect(rich.kind).toBe("prequalified");
    if (rich.kind !== "prequalified") return;
    if (poor.kind === "prequalified") {
      expect(poor.maxAmountCents).toBeLessThanOrEqual(rich.maxAmountCents);
    } else {
      expect(poor.kind).toBe("not_prequalified");
    }
  });

  it("a decline rule means not prequalified, with the adverse action notice's specific reasons and the score block", () => {
    const outcome = prequalify(inputs("0000"), loadedRuleSet(), loadedPricing());
    expect(outcome.kind).toBe("not_prequalified");
    if (outcome.kind !== "not_prequalified") return;
    expect(outcome.adverseAction.reasons.map((reason) => reason.text)).toContain("Bankruptcy");
    expect(outcome.adverseAction.creditScoreDisclosure?.score).toEqual(expect.any(Number));
  });

  it("a low score gives the score's key factors as reasons, never 'internal standards'", () => {
    const outcome = prequalify(inputs("2222"), loadedRuleSet(), loadedPricing());
    expect(outcome.kind).toBe("not_prequalified");
    if (outcome.kind !== "not_prequalified") return;
    expect(outcome.adverseAction.reasons.length).toBeGreaterThan(0);
    expect(JSON.stringify(outcome.adverseAction.reasons)).not.toMatch(/internal standards/i);
  });

  it("no report, no result: the borrower may try again", () => {
    const broken = {
      ...inputs("7800"),
      credit: {
        status: "unavailable",
        reasonCode: "bureau_unavailable",
        detail: "timeout",
      } as const,
    };
    expect(prequalify(broken, loadedRuleSet(), loadedPricing())).toEqual({ kind: "unavailable" });
  });

  it("is valid for 30 days, then expired; an unused link expires with its link", () => {
    const pulled = new Date("2026-12-01T10:00:00Z");
    const until = validUntil(pulled);
    expect(until.toISOString()).toBe("2026-12-31T10:00:00.000Z");
    const row = { status: "prequalified", linkExpiresAt: pulled, validUntil: until };
    expect(prequalificationStatus(row, new Date("2026-12-31T09:59:59Z"))).toBe("prequalified");
    expect(prequalificationStatus(row, new Date("2026-12-31T10:00:00Z"))).toBe("expired");
    const open = { status: "link_sent", linkExpiresAt: pulled, validUntil: null };
    expect(prequalificationStatus(open, new Date("2026-11-30T00:00:00Z"))).toBe("link_sent");
    expect(prequalificationStatus(open, pulled)).toBe("expired");
  });
});
