import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import {
  auditLogs,
  conditionUploads,
  creditRepulls,
  customers,
  loanConditions,
  manualReviews,
} from "~/db/schema/index";
import { createSandboxExperian } from "~/adapters/experian/sandbox";
import { buildSnapshot, evaluate } from "~/app/decisioning/engine";
import { repullCredit, RepullError } from "~/app/decisioning/repull.server";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import {
  applicantInputs,
  healthyBank,
  loadedPricing,
  loadedRuleSet,
  sandboxCredit,
} from "~/app/decisioning/testing";
import * as reviewRoute from "~/app/routes/ops.reviews.$reviewId";
import { insertMerchant } from "./applications-fixtures";
import { decidedApplication } from "./reviews-fixtures";
import { repullView, reviewEvidence, revolvingUtilizationPct } from "./review-evidence";
import { loadReviewEvidence, type LoadedEvidence } from "./review-evidence.server";
import { loadReview } from "./reviews.server";

const onFile = {
  bankLinkStatus: "linked",
  ssnMasked: "•••••1111",
  dateOfBirthOnFile: true,
  inquiryOnFile: true,
};

const snapshotOf = (inputs: ReturnType<typeof applicantInputs>) => {
  const ruleSet = loadedRuleSet();
  const pricing = loadedPricing();
  return buildSnapshot(inputs, ruleSet, pricing, evaluate(inputs, ruleSet, pricing));
};

describe("review evidence (pure, from the decision's snapshot)", () => {
  it("thin file: the bureau's two tradelines flagged, the thin-file rule fired with its input", () => {
    const evidence = reviewEvidence(snapshotOf(applicantInputs("1111")), onFile)!;
    expect(evidence.bureau.headline).toMatch(/score 705/);
    expect(evidence.bureau.tradelines).toHaveLength(2);
    expect(evidence.bureau.facts.find((f) => f.label === "Tradelines (open)")).toMatchObject({
      value: "2 (2)",
      flag: true,
    });
    // Fired rules first, each with the fact it read.
    expect(evidence.rules[0]).toMatchObject({
      key: "thin_file",
      fired: true,
      input: "credit.tradelineCount = 2",
    });
    expect(evidence.rules.filter((r) => r.fired).map((r) => r.key)).toEqual(["thin_file"]);
    expect(evidence.bank.facts.map((f) => f.value)).toEqual([
      "3 of 3",
      "$3,200.00",
      "$600.00",
      "0",
      "0",
    ]);
    expect(evidence.income.verification).toBe("verified");
    expect(evidence.identity.result).toBe("Verified (approved)");
    expect(evidence.identity.checks.every((c) => c.passed)).toBe(true);
  });

  it("high DTI: stated income against the bureau's debt, over the rule set's ceiling", () => {
    const evidence = reviewEvidence(snapshotOf(applicantInputs("8888")), onFile)!;
    const dti = evidence.income.facts.find((f) => f.label === "Debt-to-income")!;
    expect(dti.value).toMatch(/^\d+(\.\d+)? % \(ceiling 50 %\)$/);
    expect(Number.parseFloat(dti.value)).toBeGreaterThan(50);
    expect(dti.flag).toBe(true);
    expect(evidence.income.facts[0]).toEqual({
      label: "Stated monthly income",
      value: "$6,000.00",
    });
    expect(evidence.rules[0]).toMatchObject({ key: "dti_ceiling", fired: true });
  });

  it("says what is missing: no bank link, income unverified, bureau down, fraud signals", () => {
    const inputs = applicantInputs("1111", {
      bank: null,
      credit: { status: "unavailable", reasonCode: "bureau_unavailable", detail: "timeout: 10 s" },
      kyc: { status: "needs_review", confidence: "0.50", fraudSignals: ["selfie_mismatch"] },
    });
    const evidence = reviewEvidence(snapshotOf(inputs), { ...onFile, bankLinkStatus: null })!;
    expect(evidence.bank).toEqual({
      linked: false,
      headline: "No bank data (the borrower did not link an account)",
      facts: [],
    });
    expect(evidence.income.verification).toBe("no_bank_data");
    expect(evidence.bureau.unavailable).toMatch(/^No report: .*timeout: 10 s/);
    const failed = evidence.identity.checks.filter((c) => c.passed === false).map((c) => c.label);
    expect(failed).toEqual(["Identity inquiry", "Confidence", "Fraud signals"]);
    expect(reviewEvidence(null, onFile)).toBeNull();
  });

  it("a bank that does not bear out the income, overdrafts and NSF flagged", () => {
    const inputs = applicantInputs("7800", {
      bank: {
        ...healthyBank,
        incomeDepositMonths: 1,
        overdraftCount: 2,
        nsfCount: 1,
        minimumBalanceCents: -4_000,
      },
    });
    const evidence = reviewEvidence(snapshotOf(inputs), onFile)!;
    expect(evidence.income.verification).toBe("partly");
    expect(evidence.bank.facts.filter((f) => f.flag).map((f) => f.label)).toEqual([
      "Months with income deposits",
      "Lowest daily balance",
      "Overdrafts",
      "NSF (returned) items",
    ]);
  });

  it("revolving utilization and a re-pull's changes against the decision's report", () => {
    expect(revolvingUtilizationPct(sandboxCredit("7800"))).toBeGreaterThanOrEqual(0);
    const inputs = applicantInputs("1111");
    const same = repullView(inputs, {
      id: "crp_1",
      pulledAt: new Date("2026-12-07T10:00:00Z"),
      requestedByName: "Uma",
      status: "ok",
      report: sandboxCredit("1111"),
      detail: null,
    });
    expect(same.changes).toEqual([]);
    const richer = repullView(inputs, {
      id: "crp_2",
      pulledAt: new Date("2026-12-07T10:00:00Z"),
      requestedByName: null,
      status: "ok",
      report: sandboxCredit("7800"),
      detail: null,
    });
    expect(richer.changes.find((c) => c.startsWith("Score"))).toBe("Score: 705 → 780");
    const down = repullView(inputs, {
      id: "crp_3",
      pulledAt: new Date(),
      requestedByName: null,
      status: "unavailable",
      report: null,
      detail: "server_error: 503",
    });
    expect(down.bureau.unavailable).toMatch(/server_error: 503/);
  });
});

describe("review workspace (real database, the route)", () => {
  let database: Awaited<ReturnType<typeof appDatabase>>;
  let merchantId = "";
  let otherMerchantId = "";
  const bureau = createSandboxExperian();

  beforeAll(async () => {
    database = await appDatabase();
    await ensureDecisioningDefaults(database);
    merchantId = await insertMerchant(database, "Acme Pest Control");
    otherMerchantId = await insertMerchant(database, "Bayou Roofing");
  });

  /** A customer at a merchant with one application decided by the engine (sandbox bureau). */
  const decided = (args: { merchant: string; ssnLast4: string; phone: string; email: string }) =>
    decidedApplication(database, {
      merchantId: args.merchant,
      ssnLast4: args.ssnLast4,
      phone: args.phone,
      email: args.email,
      onFile: { bankLinkStatus: "linked", kycInquiryId: "inq_sandbox" },
    });

  it("every evidence block for an underwriter; documents; the same person's other applications", async () => {
    const phone = `+1512${String(Date.now()).slice(-7)}`;
    const email = `dana.${newId("x")}@example.com`;
    // Earlier: the same person at another merchant; a different person sharing the phone.
    const earlier = await decided({
      merchant: otherMerchantId,
      ssnLast4: "7800",
      phone,
      email: "old@example.com",
    });
    // Same SSN last four, same phone: the same person.
    await database.write((tx) =>
      tx.update(customers).set({ ssnLast4: "1111" }).where(eq(customers.phone, phone)),
    );
    const stranger = await decided({
      merchant: otherMerchantId,
      ssnLast4: "2222",
      phone,
      email: "x@example.com",
    });
    const { applicationId, reviewId } = await decided({
      merchant: merchantId,
      ssnLast4: "1111",
      phone,
      email,
    });
    expect(reviewId).not.toBeNull();
    // A document the borrower uploaded for a funding condition.
    const conditionId = newId("cond");
    await database.write(async (tx) => {
      await tx.insert(loanConditions).values({
        id: conditionId,
        applicationId,
        kind: "proof_of_income",
        description: "A recent pay stub",
        status: "submitted",
        createdBy: "op_x",
      });
      await tx.insert(conditionUploads).values({
        id: newId("upl"),
        conditionId,
        applicationId,
        fileName: "paystub.pdf",
        contentType: "application/pdf",
        sizeBytes: 20_480,
        sha256: "0".repeat(64),
        bytesEnc: "v1.x.y.z",
      });
    });

    const underwriter = await signedInOperator("underwriter");
    const page = (await callOps(reviewRoute, {
      path: `/ops/reviews/${reviewId}`,
      params: { reviewId: reviewId! },
      cookie: underwriter.cookie,
    })) as LoadedEvidence & { creditEvidence: boolean; decision: unknown };
    expect(page.creditEvidence).toBe(true);
    expect(page.evidence!.bureau!.tradelines).toHaveLength(2);
    expect(page.evidence!.bank!.linked).toBe(true);
    expect(page.evidence!.rules![0]!.key).toBe("thin_file");
    expect(page.documents).toMatchObject([
      { fileName: "paystub.pdf", size: "20 KB", conditionStatus: "submitted" },
    ]);
    expect(page.previous.map((p) => p.id)).toEqual([earlier.applicationId]);
    expect(page.previous.map((p) => p.id)).not.toContain(stranger.applicationId);
    expect(page.previous[0]).toMatchObject({ merchantName: "Bayou Roofing", matchedOn: "phone" });
    // Masked: the last four digits only, never the number or the address.
    expect(JSON.stringify(page.previous)).not.toContain(phone);
    expect(JSON.stringify(page.previous)).not.toContain("old@example.com");
    expect(page.repull).toBeNull();

    // A risk analyst may read credit evidence; support (status, contact, timeline) may not,
    // and does not get a review page at all without read:review.
    const analyst = await signedInOperator("risk_analyst");
    const analystPage = (await callOps(reviewRoute, {
      path: `/ops/reviews/${reviewId}`,
      params: { reviewId: reviewId! },
      cookie: analyst.cookie,
    })) as LoadedEvidence;
    expect(analystPage.evidence!.bureau).not.toBeNull();
    // Without read:credit_evidence the credit blocks are never loaded, not merely hidden.
    const loaded = await loadReview(database, reviewId!);
    const withheld = await loadReviewEvidence(database, loaded!, { creditEvidence: false });
    expect(withheld.evidence).toMatchObject({
      bureau: null,
      bank: null,
      income: null,
      rules: null,
    });
    expect(withheld.evidence!.identity.result).toBe("Verified (approved)");
    expect(withheld.repull).toBeNull();
    expect(withheld.documents).toHaveLength(1);
    const support = await signedInOperator("support");
    const supportPage = await callOps(reviewRoute, {
      path: `/ops/reviews/${reviewId}`,
      params: { reviewId: reviewId! },
      cookie: support.cookie,
    });
    expect(statusOf(supportPage)).toBe(403);
  });

  it("re-pull (soft): through the bureau adapter, stored, audited, shown; never on a resolved review", async () => {
    const { reviewId, applicationId } = await decided({
      merchant: merchantId,
      ssnLast4: "8888",
      phone: "+15125559988",
      email: `dti.${newId("x")}@example.com`,
    });
    const underwriter = await signedInOperator("underwriter", { name: "Uma Underwriter" });
    const path = `/ops/reviews/${reviewId}`;
    const response = await callOps(reviewRoute, {
      path,
      params: { reviewId: reviewId! },
      cookie: underwriter.cookie,
      form: { intent: "repull" },
    });
    expect(statusOf(response)).toBe(302);
    const rows = await database.db
      .select()
      .from(creditRepulls)
      .where(eq(creditRepulls.manualReviewId, reviewId!));
    expect(rows).toMatchObject([{ status: "ok", requestedBy: underwriter.id, applicationId }]);
    const audited = await database.db
      .select()
      .from(auditLogs)
      .where(
        and(eq(auditLogs.action, "review.credit_repulled"), eq(auditLogs.entityId, applicationId)),
      );
    expect(audited).toHaveLength(1);
    expect(audited[0]!.actorId).toBe(underwriter.id);

    const page = (await callOps(reviewRoute, {
      path,
      params: { reviewId: reviewId! },
      cookie: underwriter.cookie,
    })) as LoadedEvidence;
    expect(page.repull).toMatchObject({ requestedByName: "Uma Underwriter", changes: [] });
    expect(page.repull!.bureau.headline).toMatch(/score 720/);
    expect(Number.parseFloat(page.repull!.debtToIncome)).toBeGreaterThan(50);

    // A resolved review takes no more pulls.
    await database.write((tx) =>
      tx.update(manualReviews).set({ status: "resolved" }).where(eq(manualReviews.id, reviewId!)),
    );
    await expect(
      repullCredit(database, {
        manualReviewId: reviewId!,
        operatorId: underwriter.id,
        client: { ip: null, userAgent: null },
        bureau,
      }),
    ).rejects.toThrow(RepullError);
  });
});
