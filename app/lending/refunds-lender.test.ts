/**
 * Refunds and cancellations end to end, in-process, against a real mock lender (HTTP, idempotency
 * keys, signed webhooks) and a fake FieldRoutes office (docs/product/merchants-and-money.md,
 * "Money after the signature"; ADRs 053, 055): the CRM route asks, the outbox calls the lender,
 * the lender's own `loan.refunded` webhook completes the refund through the ledger. The mock
 * lender's own record is what says how many refunds and withdrawals really happened.
 */
import { startFakeFieldRoutes } from "~/adapters/fieldroutes/fake-server";
import { startMockLender } from "~/adapters/lender/index";
import { startRouteServer } from "~/scripts/testing/route-server";

const apiKey = "mock-lender-refund-key";
const webhookSecret = "mock-lender-refund-webhook-secret";
const fr = await startFakeFieldRoutes({
  subdomain: "acme",
  authenticationKey: "fr-key-0123456789",
  authenticationToken: "fr-token-0123456789",
  officeId: "1",
  officeName: "Acme Pest Control (Austin)",
});

// Our lender webhook route on a local server: the mock lender POSTs its events there.
const webhookPath = "/api/v1/webhooks/lender/mock";
const appServer = await startRouteServer(
  { [webhookPath]: () => import("~/app/routes/api.v1.webhooks.lender.$lender") },
  { [webhookPath]: { lender: "mock" } },
);
process.env.APP_URL = appServer.url;

const lender = await startMockLender({
  apiKey,
  webhookSecret,
  webhookUrl: `${process.env.APP_URL}/api/v1/webhooks/lender/mock`,
  fundingDelayMs: 50,
  webhookRetryDelayMs: 50,
});
process.env.LENDER_MOCK_URL = lender.url;
process.env.LENDER_MOCK_API_KEY = apiKey;
process.env.LENDER_MOCK_WEBHOOK_SECRET = webhookSecret;
process.env.FIELDROUTES_BASE_URL = fr.url;

const { appDatabase, callRoute, createMerchant, jsonHeaders } =
  await import("~/scripts/testing/app-harness");
const { signedApplication, loanOf } = await import("./test-helpers");
const { createAppJobRegistry } = await import("~/jobs/handlers/index");
const { testRunner, waitFor } = await import("~/jobs/testing/helpers");
const { connectFieldRoutes } = await import("~/app/crm-sync/connections.server");
const { createLoanForApplication } = await import("./funding.server");
const { withdrawAtLender } = await import("./cancel.server");
const { getLenders } = await import("./lenders.server");
const { merchantBalances } = await import("./ledger.server");
const refundsRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId.refunds");
const cancelRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId.cancel");
const getRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId");

import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import type { JobRunner } from "~/jobs/runner.server";
import { newId } from "~/db/ids";
import { applications, ledgerEntries, messages, refunds } from "~/db/schema/index";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const database = await appDatabase();
const merchant = await createMerchant({ name: "Acme Pest Control", merchantFeeBps: 300 });
const other = await createMerchant({ name: "Bugs Begone" });
await connectFieldRoutes(
  database,
  {
    merchantId: merchant.id,
    subdomain: "acme",
    authenticationKey: "fr-key-0123456789",
    authenticationToken: "fr-token-0123456789",
    officeId: "1",
  },
  { actorType: "system", actorId: "test" },
);

let runner: JobRunner | undefined;
afterAll(async () => {
  await runner?.stop({ graceMs: 1000 });
  await lender.close();
  await fr.close();
  await appServer.close();
});

const refund = (key: string, id: string, body: unknown, headers: Record<string, string> = {}) =>
  callRoute(refundsRoute, {
    method: "POST",
    path: `/api/v1/crm/applications/${id}/refunds`,
    params: { applicationId: id },
    headers: jsonHeaders(key, headers),
    body: JSON.stringify(body),
  });

const cancel = (key: string, id: string) =>
  callRoute(cancelRoute, {
    method: "POST",
    path: `/api/v1/crm/applications/${id}/cancel`,
    params: { applicationId: id },
    headers: jsonHeaders(key),
  });

async function view(id: string) {
  const response = await callRoute(getRoute, {
    path: `/api/v1/crm/applications/${id}`,
    params: { applicationId: id },
    headers: jsonHeaders(merchant.key),
  });
  return (await response.json()) as Json;
}

const statusOf = async (id: string) =>
  (
    await database.db
      .select({ status: applications.status })
      .from(applications)
      .where(eq(applications.id, id))
      .get()
  )?.status;

const templates = async (id: string) =>
  (
    await database.db
      .select({ template: messages.template, channel: messages.channel })
      .from(messages)
      .where(eq(messages.applicationId, id))
  ).map((m) => `${m.channel}:${m.template}`);

const atLender = (loanId: string) =>
  [...lender.loans.values()].find((loan) => loan.external_loan_id === loanId)!;

describe("cancellation before disbursement (merchant)", () => {
  it("withdraws the booked loan at the lender once and tells the borrower", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "1101",
      crmJobId: "2101",
    });
    // The lender books the loan; no job runs yet, so no disbursement has been asked for.
    const created = await createLoanForApplication(
      database,
      await getLenders(),
      signed.applicationId,
    );
    expect(created.kind).toBe("done");
    const loan = (await loanOf(signed.applicationId))!;
    expect(atLender(loan.id).status).toBe("approved");

    const response = await cancel(merchant.key, signed.applicationId);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "canceled" });
    expect(await statusOf(signed.applicationId)).toBe("canceled");
    expect((await loanOf(signed.applicationId))!.status).toBe("canceled");
    expect(await templates(signed.applicationId)).toEqual(
      expect.arrayContaining(["sms:financing_canceled"]),
    );
    // Another merchant cannot see it; canceling again is harmless.
    expect((await cancel(other.key, signed.applicationId)).status).toBe(404);
    expect((await cancel(merchant.key, signed.applicationId)).status).toBe(200);

    // The outbox withdraws it; a second run (a retry) is a replay at the lender.
    runner = testRunner(database, createAppJobRegistry()).start();
    await waitFor(() => atLender(loan.id).status === "canceled", { what: "withdrawn" });
    expect(await withdrawAtLender(database, await getLenders(), loan.id)).toMatchObject({
      kind: "done",
      status: "canceled",
    });
    const withdrawals = lender.requests.filter((r) => r.path.endsWith("/withdraw"));
    expect(withdrawals.map((r) => r.idempotencyKey)).toEqual([
      `${loan.id}:withdraw`,
      `${loan.id}:withdraw`,
    ]);
    expect(withdrawals.map((r) => r.replayed)).toEqual([false, true]);
    // Nothing was ever disbursed.
    expect(atLender(loan.id).disbursements).toEqual([]);
    await waitFor(
      () => fr.notes.some((n) => n.customerID === "1101" && n.notes.includes("CANCELED")),
      {
        what: "CRM note",
      },
    );
  });
});

describe("refunds through the CRM API", () => {
  it("refunds half, then the rest: the lender's webhook completes each through the ledger", async () => {
    runner ??= testRunner(database, createAppJobRegistry()).start();
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "1001",
      crmJobId: "2001",
    });
    const id = signed.applicationId;
    await waitFor(async () => (await statusOf(id)) === "funded", { what: "funding" });
    const loan = (await loanOf(id))!;
    const before = await merchantBalances(database, merchant.id);

    // The contract's refusals first: no Idempotency-Key, another merchant, more than funded.
    const noKey = await refund(merchant.key, id, { amount_cents: 100, reason: "x" });
    expect(noKey.status).toBe(400);
    expect(((await noKey.json()) as Json).error.code).toBe("bad_request");
    const foreign = await refund(
      other.key,
      id,
      { amount_cents: 100, reason: "x" },
      {
        "Idempotency-Key": "foreign-1",
      },
    );
    expect(foreign.status).toBe(404);
    const tooMuch = await refund(
      merchant.key,
      id,
      { amount_cents: 750_001, reason: "x" },
      {
        "Idempotency-Key": "too-much",
      },
    );
    expect(tooMuch.status).toBe(422);
    expect(((await tooMuch.json()) as Json).error).toMatchObject({
      code: "validation_failed",
      details: [{ path: "amount_cents" }],
    });

    // The merchant follows its applications by webhook too: each confirmed refund is an event
    // (the loopback URL is refused at delivery, so nothing leaves the machine).
    await database.client.execute({
      sql: "INSERT INTO webhook_endpoints (id, merchant_id, url, events, secret_enc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      args: [
        newId("whe"),
        merchant.id,
        "https://127.0.0.1:9/flowpay",
        '["loan.*"]',
        "x",
        Date.now(),
        Date.now(),
      ],
    });
    const half = await refund(
      merchant.key,
      id,
      { amount_cents: 375_000, reason: "Half the job" },
      {
        "Idempotency-Key": "half-1",
      },
    );
    expect(half.status).toBe(201);
    const created = (await half.json()) as Json;
    expect(created).toMatchObject({ status: "pending", amount_cents: 375_000 });
    expect(created.refund_id).toMatch(/^rf_/);
    // The same key again: the same refund, no second request to the lender.
    const again = await refund(
      merchant.key,
      id,
      { amount_cents: 375_000, reason: "Half the job" },
      {
        "Idempotency-Key": "half-1",
      },
    );
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as Json).refund_id).toBe(created.refund_id);

    await waitFor(async () => (await statusOf(id)) === "partially_refunded", {
      what: "partially_refunded",
    });
    const lenderLoan = atLender(loan.id);
    expect(lenderLoan.refunds?.map((r) => [r.reference, r.amount_cents])).toEqual([
      [created.refund_id, 375_000],
    ]);
    expect(lenderLoan.refunded_cents).toBe(375_000);
    const json = await view(id);
    expect(json).toMatchObject({
      status: "partially_refunded",
      loan: { status: "funded", refunded_cents: 375_000 },
    });
    // The books: the merchant owes the refund less half the fee (11,250), once.
    const after = await merchantBalances(database, merchant.id);
    expect(after.refundedCents - before.refundedCents).toBe(375_000 - 11_250);
    const lines = await database.db
      .select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.sourceKey, `refund:${created.refund_id}`));
    expect(lines.reduce((sum, l) => sum + l.amountCents, 0)).toBe(0);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(await templates(id)).toEqual(expect.arrayContaining(["sms:refund_completed"]));
    await waitFor(
      () => fr.notes.some((n) => n.customerID === "1001" && n.notes.includes("PARTIALLY REFUNDED")),
      { what: "CRM note" },
    );
    const note = fr.notes.find((n) => n.notes.includes("PARTIALLY REFUNDED"))!.notes;
    const events = await database.client.execute({
      sql: "SELECT type FROM merchant_events WHERE application_id = ?",
      args: [id],
    });
    expect(events.rows.filter((r) => r.type === "loan.refunded")).toHaveLength(1);
    expect(note).toContain("$3,750.00 of $7,500.00");

    // A cancel after funding is refused: the way back is a refund.
    const late = await cancel(merchant.key, id);
    expect(late.status).toBe(409);
    expect(((await late.json()) as Json).error.code).toBe("invalid_state");

    // The rest: the loan is closed, the application refunded, and nothing more can be refunded.
    const rest = await refund(
      merchant.key,
      id,
      { amount_cents: 375_000, reason: "Rest" },
      {
        "Idempotency-Key": "rest-1",
      },
    );
    expect(rest.status).toBe(201);
    await waitFor(async () => (await statusOf(id)) === "refunded", { what: "refunded" });
    const one = await refund(
      merchant.key,
      id,
      { amount_cents: 1, reason: "More" },
      {
        "Idempotency-Key": "one-more",
      },
    );
    expect(one.status).toBe(422);
    const done = await database.db
      .select()
      .from(refunds)
      .where(and(eq(refunds.loanId, loan.id), eq(refunds.status, "completed")));
    expect(done.reduce((sum, r) => sum + (r.feeReturnedCents ?? 0), 0)).toBe(loan.merchantFeeCents);
    expect(atLender(loan.id).refunds).toHaveLength(2);
    expect((await view(id)).loan.refunded_cents).toBe(750_000);
  });
});
