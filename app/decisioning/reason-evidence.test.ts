import { describe, expect, it } from "vitest";
import { evaluate } from "./engine";
import { classifyDeclineReasons, supportedDeclineReasons } from "./reason-evidence";
import { applicantInputs, loadedPricing, loadedRuleSet, sandboxCredit } from "./testing";

/** The engine's own snapshot for a sandbox applicant (SSN last four picks the bureau file). */
function snapshotFor(ssnLast4: string, overrides: Parameters<typeof applicantInputs>[1] = {}) {
  const inputs = applicantInputs(ssnLast4, overrides);
  return { inputs, result: evaluate(inputs, loadedRuleSet(), loadedPricing()) };
}
const codes = (s: ReturnType<typeof snapshotFor>) => supportedDeclineReasons(s).map((r) => r.code);

describe("supportedDeclineReasons", () => {
  it("supports bankruptcy only where the report has one", () => {
    const bankrupt = snapshotFor("0000");
    expect(codes(bankrupt)).toContain("bankruptcy");
    const evidence = supportedDeclineReasons(bankrupt).find((r) => r.code === "bankruptcy")!;
    expect(evidence.evidence.map((e) => e.kind)).toEqual(["rule", "bureau"]);

    const clean = snapshotFor("7800");
    expect(codes(clean)).not.toContain("bankruptcy");
    expect(codes(clean)).not.toContain("collection_or_judgment");
  });

  it("maps the review's findings: a thin file supports limited credit experience", () => {
    const thin = snapshotFor("1111");
    expect(thin.result.reviewReasons).toContain("thin_file");
    const reason = supportedDeclineReasons(thin).find(
      (r) => r.code === "limited_credit_experience",
    );
    expect(reason?.evidence.map((e) => e.kind)).toContain("review_finding");
    expect(codes(thin)).not.toContain("bankruptcy");
  });

  it("a low score gives the key factors as evidence; a good score does not support a score decline", () => {
    const low = snapshotFor("6200");
    const reason = supportedDeclineReasons(low).find((r) => r.code === "credit_score_below_floor");
    expect(reason).toBeDefined();
    const factor = sandboxCredit("6200").scoreFactors[0]!.description;
    expect(reason!.evidence.some((e) => e.kind === "bureau" && e.text.includes(factor))).toBe(true);
    expect(codes(snapshotFor("7800"))).not.toContain("credit_score_below_floor");
  });

  it("an unverified identity or missing bank data supports the matching reasons", () => {
    const s = snapshotFor("7800", { kyc: { status: "declined" }, bank: null });
    expect(codes(s)).toEqual(
      expect.arrayContaining(["identity_not_verified", "income_not_verified"]),
    );
  });

  it("never offers review-only codes or codes without consumer wording", () => {
    for (const ssn of ["0000", "1111", "6200", "8888"]) {
      for (const code of codes(snapshotFor(ssn))) {
        expect(code).not.toMatch(/^(thin_file|low_credit_score|bureau_unavailable|no_bank_data)$/);
      }
    }
  });

  it("a bureau outage supports no reason at all: there is no evidence", () => {
    const s = snapshotFor("7800", {
      credit: { status: "unavailable", reasonCode: "bureau_unavailable", detail: "timeout" },
    });
    expect(s.result.status).toBe("manual_review");
    expect(codes(s)).toEqual([]);
  });

  it("classifies chosen reasons, keeping their order", () => {
    const supported = supportedDeclineReasons(snapshotFor("1111"));
    expect(classifyDeclineReasons(["bankruptcy", "limited_credit_experience"], supported)).toEqual({
      supported: ["limited_credit_experience"],
      unsupported: ["bankruptcy"],
    });
  });
});
