/**
 * Amount changes before funding against a real database and a real mock lender
 * (docs/product/merchants-and-money.md, "Money after the signature"; ADR 054): through the CRM
 * route; the borrower signs again for a re-priced amount, the first agreement stays on file
 * superseded, the first booking is withdrawn at the lender and the loan is booked again for the
 * new amount with new idempotency keys.
 */
import { startMockLender } from "~/adapters/lender/index";

const apiKey = "mock-lender-amount-key";
const webhookSecret = "mock-lender-amount-webhook-secret";
const lender = await startMockLender({ apiKey, webhookSecret, fundingDelayMs: 60_000 });
process.env.LENDER_MOCK_URL = lender.url;
process.env.LENDER_MOCK_API_KEY = apiKey;
process.env.LENDER_MOCK_WEBHOOK_SECRET = webhookSecret;

const { appDatabase, callRoute, createMerchant, jsonHeaders } =
  await import("~/scripts/testing/app-harness");
const { signedApplication, signFirstOffer, loanOf } = await import("./test-helpers");
const { createLoanForApplication } = await import("./funding.server");
const { withdrawAtLender } = await import("./cancel.server");
const { getLenders } = await import("./lenders.server");
const { currentOffers } = await import("~/app/borrower/offers.server");
const { getPricingByVersion } = await import("~/app/decisioning/pricing-rules.server");
const amountRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId.amount");

import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import {
  applications,
  decisions,
  documents,
  loans,
  manualReviews,
  messages,
  outbox,
} from "~/db/schema/index";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const database = await appDatabase();
const merchant = await createMerchant({ name: "Acme Pest Control", merchantFeeBps: 300 });
const other = await createMerchant({ name: "Bugs Begone" });
afterAll(() => lender.close());

const change = (key: string, id: string, amountCents: number) =>
  callRoute(amountRoute, {
    method: "POST",
    path: `/api/v1/crm/applications/${id}/amount`,
    params: { applicationId: id },
    headers: jsonHeaders(key),
    body: JSON.stringify({ amount_cents: amountCents }),
  });

const atLender = (lenderLoanId: string) => lender.loans.get(lenderLoanId)!;

let n = 0;
async function booked() {
  n += 1;
  const signed = await signedApplication(merchant.key, {
    crmCustomerId: `AC-${n}`,
    crmJobId: `AC-JOB-${n}`,
  });
  await createLoanForApplication(database, await getLenders(), signed.applicationId);
  const loan = (await loanOf(signed.applicationId))!;
  return { ...signed, loan };
}

describe("POST /api/v1/crm/applications/{id}/amount", () => {
  it("lower: new disclosure, the borrower signs again; the old agreement and booking are superseded", async () => {
    const first = await booked();
    expect(first.loan.lenderLoanId).toBeTruthy();
    const oldOffers = first.offer;

    expect((await change(other.key, first.applicationId, 600_000)).status).toBe(404);
    const response = await change(merchant.key, first.applicationId, 600_000);
    expect(response.status).toBe(200);
    const json = (await response.json()) as Json;
    expect(json).toMatchObject({
      status: "approved",
      amount_cents: 600_000,
      previous_amount_cents: 750_000,
      outcome: "resign",
      sms_status: "queued",
    });
    expect(json.apply_url).toMatch(/\/apply\/[\w-]{43}$/);

    // New Truth-in-Lending figures for the new amount, from the engine's own pricing.
    const offers = await currentOffers(database, first.applicationId);
    expect(offers.length).toBeGreaterThan(0);
    const same = offers.find((o) => o.termMonths === oldOffers.termMonths)!;
    expect(same.monthlyPaymentCents).toBeLessThan(oldOffers.monthlyPaymentCents);
    expect(same.disclosure.amountFinancedCents).toBeLessThan(
      (oldOffers.disclosure as { amountFinancedCents: number }).amountFinancedCents,
    );
    // The signed agreement stays on file, superseded; the borrower was texted the new link.
    const agreements = await database.db
      .select()
      .from(documents)
      .where(
        and(eq(documents.applicationId, first.applicationId), eq(documents.kind, "agreement")),
      );
    expect(agreements).toHaveLength(1);
    expect(agreements[0]!.supersededAt).toBeInstanceOf(Date);
    const texts = await database.db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.applicationId, first.applicationId),
          eq(messages.template, "amount_changed"),
        ),
      );
    expect(texts.map((t) => t.channel)).toContain("sms");

    // The first booking is withdrawn by the outbox (here: the job's function, as it runs).
    const job = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.kind, "withdraw-loan"))
      .get();
    const payload = JSON.parse(String(job!.payload)) as { superseded: { attempt: number } };
    expect(payload.superseded.attempt).toBe(1);
    await withdrawAtLender(database, await getLenders(), first.loan.id, {
      superseded: payload.superseded as never,
    });
    expect(atLender(first.loan.lenderLoanId!).status).toBe("canceled");

    // The borrower signs again; the loan is booked again for the new amount, with new keys.
    const token = (json.apply_url as string).split("/").pop()!;
    await signFirstOffer({ applicationId: first.applicationId, token });
    await createLoanForApplication(database, await getLenders(), first.applicationId);
    const loan = (await loanOf(first.applicationId))!;
    expect(loan).toMatchObject({ amountCents: 600_000, attempt: 2, status: "pending_funding" });
    expect(loan.lenderLoanId).not.toBe(first.loan.lenderLoanId);
    expect(atLender(loan.lenderLoanId!).external_loan_id).toBe(loan.id);
    const creates = lender.requests.filter(
      (r) => r.path === "/v1/loans" && r.idempotencyKey?.startsWith(loan.id),
    );
    expect(creates.map((r) => r.idempotencyKey)).toEqual([
      `${loan.id}:create`,
      `${loan.id}:create:2`,
    ]);
    const signedDocs = await database.db
      .select()
      .from(documents)
      .where(
        and(eq(documents.applicationId, first.applicationId), eq(documents.kind, "agreement")),
      );
    expect(signedDocs.filter((d) => d.supersededAt === null)).toHaveLength(1);
  });

  it("higher within the approved maximum: re-priced under the same approval, signed again", async () => {
    const app = await booked();
    const decision = await database.db
      .select()
      .from(decisions)
      .where(eq(decisions.applicationId, app.applicationId))
      .get();
    const pricing = await getPricingByVersion(database, decision!.pricingVersion);
    const tier = pricing!.table.tiers.find((t) => t.name === decision!.tier)!;
    // The most the approval allows (the tier's and the merchant's maximum, 2,500,000 by default).
    const higher = Math.min(tier.maxAmountCents, 2_500_000, 1_000_000);
    expect(higher).toBeGreaterThan(750_000);
    const response = await change(merchant.key, app.applicationId, higher);
    const json = (await response.json()) as Json;
    expect(json).toMatchObject({ status: "approved", outcome: "resign", amount_cents: higher });
    const offers = await currentOffers(database, app.applicationId);
    const same = offers.find((o) => o.termMonths === app.offer.termMonths)!;
    expect(same.monthlyPaymentCents).toBeGreaterThan(app.offer.monthlyPaymentCents);
    expect(same.disclosure.amountFinancedCents).toBeGreaterThan(750_000);
  });

  it("above the approved maximum: a new decision (FlowOps review with the new amount)", async () => {
    const app = await booked();
    const response = await change(merchant.key, app.applicationId, 2_600_000);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: "manual_review",
      outcome: "new_decision",
      apply_url: null,
    });
    const review = await database.db
      .select()
      .from(manualReviews)
      .where(eq(manualReviews.applicationId, app.applicationId))
      .get();
    expect(review).toMatchObject({ reason: "amount_above_approval", status: "pending" });
    const row = await database.db
      .select()
      .from(applications)
      .where(eq(applications.id, app.applicationId))
      .get();
    expect(row).toMatchObject({ amountCents: 2_600_000, selectedOfferId: null });
  });

  it("the same amount changes nothing; after the disbursement request it is refused", async () => {
    const app = await booked();
    expect(await (await change(merchant.key, app.applicationId, 750_000)).json()).toMatchObject({
      outcome: "unchanged",
      status: "pending_funding",
    });
    await database.write((tx) =>
      tx.update(loans).set({ disbursementId: "DISB-x" }).where(eq(loans.id, app.loan.id)),
    );
    const late = await change(merchant.key, app.applicationId, 500_000);
    expect(late.status).toBe(409);
    expect(((await late.json()) as Json).error.code).toBe("invalid_state");
    const bad = await change(merchant.key, app.applicationId, -5);
    expect(bad.status).toBe(422);
  });
});
