/**
 * Test helpers (tests only): an application opened the CRM route's way, made decidable,
 * approved by the real decide() with the sandbox bureau, and signed by the borrower through
 * acceptOffer — the same path a real one takes. Import after scripts/testing/app-harness has
 * pointed the configuration at a test database.
 */
import { eq } from "drizzle-orm";
import { newId } from "~/db/ids";
import { applications, consents, customers, loans } from "~/db/schema/index";
import { appDatabase, jsonHeaders } from "~/scripts/testing/app-harness";
import { consentTexts, consentTextHash } from "~/app/borrower/consent-texts";
import { acceptOffer, agreementFor } from "~/app/borrower/accept.server";
import { loadJourney } from "~/app/borrower/context.server";
import { currentOffers } from "~/app/borrower/offers.server";
import { decide } from "~/app/decisioning/decide.server";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import { healthyBank } from "~/app/decisioning/testing";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { offerFinancing } from "~/app/crm/offer-financing.server";
import { offerFinancingRequest } from "~/app/crm/schemas";
import { getCipher } from "~/app/security/encryption.server";

export type Opened = { applicationId: string; token: string };

export async function openApplication(
  merchantKey: string,
  input: {
    crmCustomerId: string;
    crmJobId: string;
    amountCents?: number;
    lastName?: string;
    /** Text the borrower the link, as most CRMs ask (default: no text). */
    sendSms?: boolean;
  },
): Promise<Opened> {
  // The CRM route's own steps (guard, schema, domain function), not the route module: a helper
  // imports no route (ADR 038).
  const request = new Request("http://127.0.0.1/api/v1/crm/offer-financing", {
    method: "POST",
    headers: jsonHeaders(merchantKey),
  });
  const caller = await requireCrmCaller(request);
  const result = await offerFinancing(
    await appDatabase(),
    caller,
    offerFinancingRequest.parse({
      crm: "fieldroutes",
      crm_customer_id: input.crmCustomerId,
      customer: {
        first_name: "Dana",
        last_name: input.lastName ?? "Rivera",
        phone: "+15125550142",
        address: { line1: "12 Elm St", city: "Austin", state: "TX", postal_code: "78701" },
      },
      job: { crm_job_id: input.crmJobId, estimate_cents: input.amountCents ?? 750_000 },
      send_sms: input.sendSms ?? false,
    }),
    null,
  );
  if (result.status !== 201)
    throw new Error(`offer-financing: ${result.status} ${JSON.stringify(result.body)}`);
  const json = JSON.parse(result.body) as { application_id: string; apply_url: string };
  return { applicationId: json.application_id, token: json.apply_url.split("/").pop()! };
}

/** What the borrower's steps would have stored before submitting (SSN 666-12-7800: approved). */
export async function makeDecidable(applicationId: string) {
  const database = await appDatabase();
  await ensureDecisioningDefaults(database);
  await database.write(async (tx) => {
    const app = await tx
      .select()
      .from(applications)
      .where(eq(applications.id, applicationId))
      .get();
    await tx
      .update(customers)
      .set({ ssnEnc: getCipher().encrypt("666127800", "customers.ssn"), ssnLast4: "7800" })
      .where(eq(customers.id, app!.customerId));
    await tx
      .update(applications)
      .set({
        status: "submitted",
        monthlyIncomeCents: 600_000,
        housingCostCents: 150_000,
        bankSummary: healthyBank,
        kycStatus: "approved",
        submittedAt: new Date(),
      })
      .where(eq(applications.id, applicationId));
    await tx.insert(consents).values({
      id: newId("con"),
      applicationId,
      kind: "credit_pull",
      textVersion: consentTexts.credit_pull.version,
      textSha256: await consentTextHash("credit_pull"),
      acceptedAt: new Date(),
    });
  });
}

/** The borrower signs the first (shortest) offer, as the sign page's action does. */
export async function signFirstOffer(opened: Opened, now = new Date()) {
  const journey = await loadJourney(opened.token, "sign");
  const [offer] = await currentOffers(journey.database, opened.applicationId);
  if (!offer) throw new Error("no offer to sign");
  const agreement = await agreementFor(journey, offer.id, now);
  const result = await acceptOffer(
    journey,
    { offerId: offer.id, fullName: "Dana Rivera", shownHash: agreement!.hash },
    { ip: "203.0.113.7", userAgent: "vitest" },
    now,
  );
  if (result.kind !== "accepted") throw new Error(`acceptOffer: ${result.kind}`);
  return offer;
}

/** Opened, approved (decide() directly) and signed: its create-loan job is pending. */
export async function signedApplication(
  merchantKey: string,
  input: Parameters<typeof openApplication>[1],
) {
  const opened = await openApplication(merchantKey, input);
  await makeDecidable(opened.applicationId);
  const outcome = await decide(await appDatabase(), opened.applicationId);
  if (outcome.status !== "approved") throw new Error(`decided ${outcome.status}`);
  const offer = await signFirstOffer(opened);
  return { ...opened, offer };
}

export async function loanOf(applicationId: string) {
  const database = await appDatabase();
  return database.db.select().from(loans).where(eq(loans.applicationId, applicationId)).get();
}
