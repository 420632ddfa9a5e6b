import { describe, expect, it } from "vitest";
import { sandboxCreditor } from "~/app/lending/creditors";
import { adverseActionNoticeView, renderAdverseActionText } from "./adverse-action";
import { defaultPricingTable } from "./default-pricing";
import { evaluate } from "./engine";
import { validatePricingTable, type PricingTable } from "./pricing";
import { applicantInputs, loadedPricing, loadedRuleSet } from "./testing";

const ruleSet = loadedRuleSet();
const pricing = loadedPricing();
const decide = (...args: Parameters<typeof applicantInputs>) =>
  evaluate(applicantInputs(...args), ruleSet, pricing);

describe("decisions for the sandbox's applicants (default rules and pricing)", () => {
  it("approves a 780 score in tier A with three offers, every part of the score kept", () => {
    const result = decide("7800");
    expect(result.status).toBe("approved");
    expect(result.tier).toBe("A");
    expect(result.score).toMatchObject({
      total: 432,
      creditScore: 780,
      parts: { credit: "312", income: "90", bank: "20", kyc: "10" },
    });
    expect(result.offers.map((offer) => [offer.termMonths, offer.noteRate])).toEqual([
      [12, "7.990"],
      [24, "8.990"],
      [36, "9.990"],
    ]);
    expect(result.ruleResults).toHaveLength(ruleSet.rules.length);
    expect(result.ruleResults.every((r) => !r.fired)).toBe(true);
    expect(result.manualReview).toBeNull();
    expect(result.adverseAction).toBeNull();
  });

  it.each([
    ["0000", "declined", ["bankruptcy"], []],
    ["2222", "declined", ["credit_score_below_floor"], []],
    ["4444", "declined", ["bankruptcy", "credit_score_below_floor"], []],
    ["1111", "manual_review", [], ["thin_file"]],
    ["3333", "manual_review", [], ["no_credit_score", "thin_file"]],
    ["6200", "manual_review", [], ["low_credit_score"]],
    ["8888", "manual_review", [], ["high_debt_to_income"]],
  ])("SSN …%s → %s", (last4, status, declineReasons, reviewReasons) => {
    const result = decide(last4);
    expect(result.status).toBe(status);
    expect(result.declineReasons).toEqual(declineReasons);
    if (status === "manual_review") expect(result.reviewReasons).toEqual(reviewReasons);
    if (status === "declined") expect(result.offers).toEqual([]);
  });

  it("sends a bureau outage to manual review with a clear, high-priority reason", () => {
    const result = evaluate(
      applicantInputs("7800", {
        credit: { status: "unavailable", reasonCode: "bureau_unavailable", detail: "timeout" },
      }),
      ruleSet,
      pricing,
    );
    expect(result.status).toBe("manual_review");
    expect(result.manualReview).toEqual({
      reason: "bureau_unavailable",
      reasons: ["bureau_unavailable"],
      priority: 1,
    });
    expect(result.adverseAction).toBeNull();
  });

  it("does not auto-decline without a credit report either (the income floor still shows)", () => {
    const result = evaluate(
      applicantInputs("7800", {
        application: { monthlyIncomeCents: 100_000 },
        credit: { status: "unavailable", reasonCode: "bureau_unavailable", detail: "timeout" },
      }),
      ruleSet,
      pricing,
    );
    expect(result.status).toBe("manual_review");
    expect(result.declineReasons).toEqual(["income_below_floor"]);
  });

  it("sends missing bank data, KYC problems and fraud signals to review", () => {
    expect(decide("7800", { bank: null }).reviewReasons).toEqual(["no_bank_data"]);
    expect(
      decide("7800", { kyc: { status: "needs_review", confidence: "0.50" } }).reviewReasons,
    ).toEqual(["kyc_needs_review"]);
    expect(decide("7800", { kyc: { status: null, confidence: "0.00" } }).reviewReasons).toEqual([
      "kyc_not_verified",
    ]);
    const fraud = decide("7800", { kyc: { fraudSignals: ["velocity"] } });
    expect(fraud.manualReview).toMatchObject({ reason: "kyc_fraud_signals", priority: 1 });
  });

  it("declines income below the floor", () => {
    expect(decide("7800", { application: { monthlyIncomeCents: 120_000 } }).declineReasons).toEqual(
      ["income_below_floor"],
    );
  });

  it("reviews what pricing cannot offer: above the tier's limit, or no affordable term", () => {
    expect(decide("7800", { application: { amountCents: 3_000_000 } }).reviewReasons).toEqual([
      "amount_outside_limits",
    ]);
    // $1,500 income → tier B; every B term's payment on $12,000 is above 15 % of income.
    const thin = decide("7800", {
      application: { amountCents: 1_200_000, monthlyIncomeCents: 150_000, housingCostCents: 0 },
    });
    expect(thin.tier).toBe("B");
    expect(thin.reviewReasons).toContain("no_affordable_offer");
  });
});

describe("offers", () => {
  it("tier B offers 24/36/48 and leaves 60 out (three at most)", () => {
    const result = decide("7000", {
      application: { monthlyIncomeCents: 400_000, housingCostCents: 50_000 },
    });
    expect(result.tier).toBe("B");
    expect(result.offers.map((o) => o.termMonths)).toEqual([24, 36, 48]);
    expect(result.considered.find((c) => c.termMonths === 60)).toMatchObject({
      offered: false,
      excludedBecause: "beyond_max_offers",
    });
  });

  it("drops terms whose payment would exceed 15 % of income, keeping the longer ones", () => {
    const result = decide("7000", {
      application: {
        amountCents: 1_500_000,
        monthlyIncomeCents: 400_000,
        housingCostCents: 50_000,
      },
    });
    expect(result.considered.find((c) => c.termMonths === 24)).toMatchObject({
      offered: false,
      excludedBecause: "above_payment_to_income",
    });
    expect(result.offers.map((o) => o.termMonths)).toEqual([36, 48, 60]);
  });

  it("finances the origination fee and discloses an APR above the note rate", () => {
    const [offer] = decide("7800").offers;
    expect(offer).toMatchObject({
      originationFeeCents: 8_000, // 1 % of $8,000
      principalCents: 808_000,
      amountFinancedCents: 800_000,
      disbursementCents: 776_000, // $8,000 − 3 % merchant fee
      merchantFeeCents: 24_000,
    });
    expect(offer!.financeChargeCents).toBe(offer!.totalOfPaymentsCents - 800_000);
    expect(Number(offer!.apr)).toBeGreaterThan(Number(offer!.noteRate));
    expect(offer!.disclosure).toMatchObject({
      annualPercentageRate: offer!.apr,
      amountFinancedCents: 800_000,
      itemization: {
        amountPaidToMerchantCents: 800_000,
        prepaidFinanceChargeCents: 8_000,
        principalCents: 808_000,
      },
      prepayment: { penalty: false },
    });
    const groups = offer!.disclosure.paymentSchedule;
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(12);
    expect(groups[0]).toMatchObject({ amountCents: offer!.paymentCents, firstPaymentNumber: 1 });
  });

  it("a promotional plan adds a 0 % offer first, with no finance charge and a higher merchant fee", () => {
    const result = decide("7800", { merchant: { pricingPlan: "promo_0apr_12" } });
    const [promo, ...rest] = result.offers;
    expect(result.offers).toHaveLength(3);
    expect(promo).toMatchObject({
      kind: "promotional",
      termMonths: 12,
      noteRate: "0.000",
      apr: "0.000",
      originationFeeCents: 0,
      financeChargeCents: 0,
      totalOfPaymentsCents: 800_000,
      merchantFeeBps: 900,
      merchantFeeCents: 72_000,
    });
    expect(rest.map((o) => o.kind)).toEqual(["standard", "standard"]);
    // The 0 % offer replaces the 12-month one and the 36-month term stays (ADR 034).
    expect(result.offers.map((o) => o.termMonths)).toEqual([12, 24, 36]);
  });

  it("an engine 1.0.0 decision replays with 1.0.0's offer set (the promotion beside 12 months, no 36)", () => {
    const inputs = applicantInputs("7800", { merchant: { pricingPlan: "promo_0apr_12" } });
    const old = evaluate(inputs, ruleSet, pricing, { engineVersion: "1.0.0" });
    expect(old.offers.map((o) => `${o.kind}:${o.termMonths}`)).toEqual([
      "promotional:12",
      "standard:12",
      "standard:24",
    ]);
  });
});

describe("adverse action", () => {
  it("lists at most four specific reasons and the FCRA credit-score block", () => {
    const { adverseAction } = decide("4444");
    expect(adverseAction!.reasons.map((r) => r.text)).toEqual([
      "Bankruptcy",
      "Serious delinquency, and public record or collection filed",
      "Level of delinquency on accounts",
      "Number of accounts with delinquency",
    ]);
    const block = adverseAction!.creditScoreDisclosure!;
    expect(block).toMatchObject({
      score: 520,
      range: { min: 300, max: 850 },
      date: "2026-11-20",
      bureau: { name: "Experian", phone: "1-888-397-3742" },
    });
    // Four key factors, and the number of inquiries as a fifth because it was a key factor.
    expect(block.keyFactors).toHaveLength(5);
    expect(block.keyFactors[4]).toMatch(/inquiries/);
  });

  it("never says 'score too low': a score decline gives the score's key factors", () => {
    const texts = decide("2222").adverseAction!.reasons.map((r) => r.text);
    expect(texts[0]).toBe("Level of delinquency on accounts");
    expect(texts.join(" ")).not.toMatch(/score/i);
  });

  it("renders the notice a borrower reads", () => {
    const { adverseAction } = decide("0000");
    const text = renderAdverseActionText(
      adverseActionNoticeView({
        applicantName: "Dana Rivera",
        amountCents: 800_000,
        merchantName: "Acme Pest Control",
        decidedOn: "2026-11-20",
        ...adverseAction!,
        creditor: sandboxCreditor,
      }),
    );
    for (const expected of [
      "Principal reasons for our decision",
      "1. Bankruptcy",
      "Your credit score: 640",
      "Scores range from a low of 300 to a high of 850",
      "Experian, P.O. Box 2002, Allen, TX 75013, 1-888-397-3742",
      "played no part in our decision",
      "free copy of your report",
      "no later than 60 days",
      "right to dispute",
      "Equal Credit Opportunity Act",
      "Federal Trade Commission",
    ]) {
      expect(text).toContain(expected);
    }
  });
});

describe("pricing validation", () => {
  const problems = (change: (table: PricingTable) => void) => {
    const table = structuredClone(defaultPricingTable);
    change(table);
    return validatePricingTable(table).join("\n");
  };

  it("accepts the default table", () => {
    expect(validatePricingTable(defaultPricingTable)).toEqual([]);
  });

  it("refuses float rates, misordered tiers, APRs above the cap and unknown promo tiers", () => {
    expect(
      problems((t) => ((t.tiers[0]!.terms[0] as { noteRate: unknown }).noteRate = 7.99)),
    ).toMatch(/noteRate/);
    expect(problems((t) => (t.tiers[1]!.minScore = 400))).toMatch(/highest minScore to the lowest/);
    expect(problems((t) => (t.tiers[2]!.originationFeeRate = "20.000"))).toMatch(
      /above the 36.000 % cap/,
    );
    expect(problems((t) => (t.merchantPlans.promo_0apr_12!.promotional!.tiers = ["Z"]))).toMatch(
      /unknown tier "Z"/,
    );
  });
});
