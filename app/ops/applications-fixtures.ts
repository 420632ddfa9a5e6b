import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import {
  applications,
  customers,
  decisions,
  merchants,
  offers,
  serviceJobs,
} from "~/db/schema/index";

/**
 * Rows for FlowOps tests (dashboard, search, reviews): each call creates what one test needs,
 * with plain defaults. Not used by the app.
 */
export async function insertMerchant(database: Database, name = "Acme Pest Control") {
  const id = newId("mer");
  await database.write((tx) =>
    tx
      .insert(merchants)
      .values({ id, name, slug: `${name.toLowerCase().replace(/\W+/g, "-")}-${id.slice(-6)}` }),
  );
  return id;
}

export type ApplicantFixture = {
  merchantId: string;
  firstName?: string;
  lastName?: string;
  email?: string | null;
  phone?: string;
  crmCustomerId?: string;
  crmJobId?: string;
  status?: (typeof applications.$inferInsert)["status"];
  amountCents?: number;
  createdAt?: Date;
  submittedAt?: Date | null;
  decidedAt?: Date | null;
  id?: string;
};

export async function insertApplication(database: Database, f: ApplicantFixture) {
  const createdAt = f.createdAt ?? new Date();
  const customerId = newId("cus", createdAt.getTime());
  const jobId = newId("job", createdAt.getTime());
  const id = f.id ?? newId("app", createdAt.getTime());
  await database.write(async (tx) => {
    await tx.insert(customers).values({
      id: customerId,
      merchantId: f.merchantId,
      crmCustomerId: f.crmCustomerId ?? `CUS-${customerId.slice(-8)}`,
      firstName: f.firstName ?? "Dana",
      lastName: f.lastName ?? "Rivera",
      email: f.email === undefined ? `dana.${customerId.slice(-6)}@example.com` : f.email,
      phone: f.phone ?? "+15125550100",
    });
    await tx.insert(serviceJobs).values({
      id: jobId,
      merchantId: f.merchantId,
      customerId,
      crmJobId: f.crmJobId ?? `JOB-${jobId.slice(-8)}`,
      estimateCents: f.amountCents ?? 800_000,
    });
    await tx.insert(applications).values({
      id,
      merchantId: f.merchantId,
      customerId,
      serviceJobId: jobId,
      crm: "fieldroutes",
      status: f.status ?? "link_sent",
      amountCents: f.amountCents ?? 800_000,
      submittedAt: f.submittedAt ?? null,
      decidedAt: f.decidedAt ?? null,
      createdAt,
    });
  });
  return { id, customerId, jobId };
}

export async function insertDecision(
  database: Database,
  args: {
    applicationId: string;
    status: "approved" | "declined" | "manual_review";
    decidedAt: Date;
    decidedBy?: string | null;
  },
) {
  const id = newId("dec", args.decidedAt.getTime());
  await database.write((tx) =>
    tx.insert(decisions).values({
      id,
      applicationId: args.applicationId,
      status: args.status,
      ruleSetVersion: 1,
      pricingVersion: 1,
      engineVersion: "test",
      snapshot: {},
      decidedBy: args.decidedBy ?? null,
      decidedAt: args.decidedAt,
    }),
  );
  return id;
}

export async function insertOffer(
  database: Database,
  args: {
    decisionId: string;
    applicationId: string;
    amountFinancedCents: number;
    selectedAt?: Date | null;
  },
) {
  const id = newId("off");
  await database.write((tx) =>
    tx.insert(offers).values({
      id,
      decisionId: args.decisionId,
      applicationId: args.applicationId,
      termMonths: 24,
      noteRate: "8.990",
      apr: "9.950",
      originationFeeCents: 0,
      principalCents: args.amountFinancedCents,
      amountFinancedCents: args.amountFinancedCents,
      monthlyPaymentCents: 10_000,
      lastPaymentCents: 10_000,
      financeChargeCents: 1_000,
      totalOfPaymentsCents: args.amountFinancedCents + 1_000,
      schedule: [],
      selectedAt: args.selectedAt ?? null,
      createdAt: new Date(),
    }),
  );
  return id;
}
