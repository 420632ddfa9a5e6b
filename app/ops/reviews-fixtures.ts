import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { applications, consents, customers, serviceJobs } from "~/db/schema/index";
import { createSandboxExperian } from "~/adapters/experian/sandbox";
import { consentTexts, consentTextHash } from "~/app/borrower/consent-texts";
import { decide } from "~/app/decisioning/decide.server";
import type { BankSummary } from "~/app/decisioning/inputs";
import { healthyBank } from "~/app/decisioning/testing";
import { getCipher } from "~/app/security/encryption.server";

/**
 * Test fixture (never imported by production code): a submitted application with its customer,
 * job and credit-pull authorization, decided by the engine with the sandbox bureau — whose SSN's
 * last four choose the outcome (docs/sandbox/experian.md: …1111 thin file, …8888 high DTI, both
 * manual review).
 */
export async function decidedApplication(
  database: Database,
  args: {
    merchantId: string;
    ssnLast4: string;
    email?: string | null;
    phone?: string;
    bank?: BankSummary | null;
    /** Bank link and identity inquiry as the borrower steps record them. */
    onFile?: { bankLinkStatus: string; kycInquiryId: string };
  },
) {
  const customerId = newId("cus");
  const jobId = newId("job");
  const applicationId = newId("app");
  await database.write(async (tx) => {
    await tx.insert(customers).values({
      id: customerId,
      merchantId: args.merchantId,
      crmCustomerId: customerId,
      firstName: "Dana",
      lastName: "Rivera",
      email: args.email === undefined ? "dana@example.com" : args.email,
      phone: args.phone ?? "+15125550100",
      ssnEnc: getCipher().encrypt(`66612${args.ssnLast4}`, "customers.ssn"),
      ssnLast4: args.ssnLast4,
    });
    await tx.insert(serviceJobs).values({
      id: jobId,
      merchantId: args.merchantId,
      customerId,
      crmJobId: jobId,
      estimateCents: 800_000,
    });
    await tx.insert(applications).values({
      id: applicationId,
      merchantId: args.merchantId,
      customerId,
      serviceJobId: jobId,
      crm: "fieldroutes",
      status: "submitted",
      amountCents: 800_000,
      monthlyIncomeCents: 600_000,
      housingCostCents: 150_000,
      bankSummary: args.bank === undefined ? healthyBank : args.bank,
      bankLinkStatus: args.onFile?.bankLinkStatus ?? null,
      kycStatus: "approved",
      kycInquiryId: args.onFile?.kycInquiryId ?? null,
      submittedAt: new Date(),
    });
    await tx.insert(consents).values({
      id: newId("con"),
      applicationId,
      kind: "credit_pull",
      textVersion: consentTexts.credit_pull.version,
      textSha256: await consentTextHash("credit_pull"),
      acceptedAt: new Date(),
    });
  });
  const outcome = await decide(database, applicationId, { bureau: createSandboxExperian() });
  return {
    applicationId,
    customerId,
    reviewId: outcome.manualReviewId,
    decisionId: outcome.decisionId,
    status: outcome.status,
  };
}
