/**
 * Funding on completion end to end, in-process, on a real database against a real mock lender
 * (HTTP, idempotency keys, signed webhooks POSTed to our webhook route): sign → awaiting the
 * job → the merchant's POST …/complete → the borrower's release link → one disbursement →
 * funded; the 7-day auto-release; a problem report; progress payments in two parts
 * (docs/product/merchants-and-money.md, "The money after the signature"; ADR 050).
 */
import { startLenderTestBed } from "~/scripts/testing/lender-test-bed";

const bed = await startLenderTestBed({
  apiKey: "mock-lender-release-key",
  webhookSecret: "mock-lender-release-webhook-secret",
  fundingDelayMs: 50,
});
const lender = bed.lender;

const { appDatabase, callRoute, createMerchant, jsonHeaders } =
  await import("~/scripts/testing/app-harness");
const { signedApplication, loanOf } = await import("./test-helpers");
const { createAppJobRegistry } = await import("~/jobs/handlers/index");
const { testRunner, manualClock, waitFor } = await import("~/jobs/testing/helpers");
const { messageBody } = await import("~/app/messaging/sms.server");
const { emailContent } = await import("~/app/messaging/email.server");
const { loadReleasePage, releaseWithLink, reportProblem, releaseAfterReview } =
  await import("./release.server");
const { listQueue } = await import("~/app/ops/reviews.server");
const { createLoanForApplication } = await import("./funding.server");
const { getLenders } = await import("./lenders.server");
const { loadApplicationDetail } = await import("~/app/ops/applications.server");
const completeRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId.complete");
const getRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId");

import { and, asc, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import {
  applications,
  customers,
  ledgerEntries,
  loans,
  messages,
  operators,
  outbox,
} from "~/db/schema/index";
import { newId } from "~/db/ids";
import { merchantBalances } from "./ledger.server";

const database = await appDatabase();
const merchant = await createMerchant({
  name: "Greenway Landscaping",
  merchantFeeBps: 300,
  fundingMode: "on_completion",
});
const progressive = await createMerchant({
  name: "Summit Roofing",
  merchantFeeBps: 300,
  fundingMode: "on_completion",
  upfrontReleaseBps: 4_000,
});
const clock = manualClock();
const runner = testRunner(database, createAppJobRegistry(), { clock: clock.now }).start();
const client = { ip: "203.0.113.9", userAgent: "vitest" };

afterAll(async () => {
  await runner.stop({ graceMs: 1000 });
  await bed.close();
});

const statusOf = async (applicationId: string) =>
  (
    await database.db
      .select({ status: applications.status })
      .from(applications)
      .where(eq(applications.id, applicationId))
      .get()
  )?.status;

const lenderLoanOf = (loanId: string) =>
  [...lender.loans.values()].find((loan) => loan.external_loan_id === loanId);

async function complete(key: string, applicationId: string, idempotencyKey?: string) {
  const response = await callRoute(completeRoute, {
    method: "POST",
    path: `/api/v1/crm/applications/${applicationId}/complete`,
    params: { applicationId },
    headers: {
      ...jsonHeaders(key),
      ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
    },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function statusResource(key: string, applicationId: string) {
  const response = await callRoute(getRoute, {
    path: `/api/v1/crm/applications/${applicationId}`,
    params: { applicationId },
    headers: jsonHeaders(key),
  });
  return (await response.json()) as {
    status: string;
    loan: { status: string; released_cents: number; funded_amount_cents: number | null } | null;
  };
}

/** The release link's token, from the text the borrower got (and the e-mail carries the same). */
async function releaseToken(applicationId: string) {
  const rows = await database.db
    .select()
    .from(messages)
    .where(
      and(eq(messages.applicationId, applicationId), eq(messages.template, "release_requested")),
    );
  const sms = rows.filter((m) => m.channel === "sms");
  const email = rows.filter((m) => m.channel === "email");
  expect(sms).toHaveLength(1);
  expect(email).toHaveLength(1);
  const url = /https?:\/\/\S+\/release\/([\w-]+)/.exec(messageBody(sms[0]!.bodyEnc))!;
  expect(emailContent(email[0]!.bodyEnc).text).toContain(url[0]);
  return url[1]!;
}

async function awaitingJob(key: string, crmJobId: string) {
  const signed = await signedApplication(key, { crmCustomerId: `c-${crmJobId}`, crmJobId });
  // The e-mail half of the release request needs an address (the CRM helper sends none).
  const app = await database.db
    .select({ customerId: applications.customerId })
    .from(applications)
    .where(eq(applications.id, signed.applicationId))
    .get();
  await database.write((tx) =>
    tx
      .update(customers)
      .set({ email: "dana@example.com" })
      .where(eq(customers.id, app!.customerId)),
  );
  await waitFor(async () => (await loanOf(signed.applicationId))?.lenderLoanId, {
    what: "the loan booked at the lender",
  });
  return signed;
}

describe("funding on completion (docs/product/merchants-and-money.md)", () => {
  it("books the loan at signature, pays nothing until the job is complete and released, then funds once", async () => {
    const signed = await awaitingJob(merchant.key, "job-1");
    const loan = (await loanOf(signed.applicationId))!;
    expect(loan.status).toBe("awaiting_completion");
    expect(await statusOf(signed.applicationId)).toBe("awaiting_completion");
    // Booked, not paid: no disbursement at the lender, and the CRM sees the job is waited for.
    expect(lenderLoanOf(loan.id)!.disbursements).toHaveLength(0);
    expect(await statusResource(merchant.key, signed.applicationId)).toMatchObject({
      status: "awaiting_completion",
      loan: { status: "awaiting_completion", released_cents: 0 },
    });

    const first = await complete(merchant.key, signed.applicationId, "complete-job-1");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      application_id: signed.applicationId,
      status: "awaiting_completion",
      release_link_sent: true,
    });
    // 7 days after the completion, to the millisecond.
    expect(Date.parse(first.body.auto_release_at as string)).toBe(
      Date.parse(first.body.completed_at as string) + 7 * 24 * 3600_000,
    );
    // The same key replays; marking again without one sends nothing twice.
    const replay = await complete(merchant.key, signed.applicationId, "complete-job-1");
    expect(replay).toEqual(first);
    const again = await complete(merchant.key, signed.applicationId);
    expect(again.body).toMatchObject({ release_link_sent: false });
    // Another merchant's key: not found.
    expect((await complete(progressive.key, signed.applicationId)).status).toBe(404);

    const token = await releaseToken(signed.applicationId);
    const page = await loadReleasePage(database, token);
    expect(page).toMatchObject({ kind: "ok", stage: "awaiting_release", usedFor: null });

    expect(await releaseWithLink(database, { token, client })).toEqual({ kind: "released" });
    // Single use: the second press changes nothing.
    expect(await releaseWithLink(database, { token, client })).toMatchObject({
      kind: "unchanged",
    });

    await waitFor(async () => (await statusOf(signed.applicationId)) === "funded", {
      what: "funding",
    });
    const funded = (await loanOf(signed.applicationId))!;
    expect(funded).toMatchObject({
      status: "funded",
      releasedCents: 750_000,
      fundedAmountCents: 727_500,
    });
    const atLender = lenderLoanOf(loan.id)!;
    expect(atLender.disbursements.map((d) => d.amount_cents)).toEqual([727_500]);
    expect(
      lender.requests
        .filter((r) => r.method === "POST" && r.idempotencyKey?.startsWith(loan.id))
        .map((r) => r.idempotencyKey),
    ).toEqual([`${loan.id}:create`, `${loan.id}:disburse`]);
    expect(await merchantBalances(database, merchant.id)).toMatchObject({
      disbursedCents: 727_500,
      owedToMerchantCents: 727_500,
    });
    expect(await statusResource(merchant.key, signed.applicationId)).toMatchObject({
      status: "funded",
      loan: { status: "funded", released_cents: 750_000, funded_amount_cents: 727_500 },
    });
    expect(await loadReleasePage(database, token)).toMatchObject({
      stage: "released",
      usedFor: "released",
      funded: true,
    });

    // The CRM write-back has a job per new state (the notes' text is app/crm-sync/events.ts').
    const syncs = await database.db
      .select({ payload: outbox.payload })
      .from(outbox)
      .where(eq(outbox.kind, "sync-to-crm"));
    const events = syncs
      .map((row) => JSON.parse(String(row.payload)) as { applicationId: string; event: string })
      .filter((p) => p.applicationId === signed.applicationId)
      .map((p) => p.event);
    expect(events).toEqual(expect.arrayContaining(["awaiting_completion", "released", "funded"]));
    const texts = await database.db
      .select({ template: messages.template })
      .from(messages)
      .where(and(eq(messages.applicationId, signed.applicationId), eq(messages.channel, "sms")));
    expect(texts.map((t) => t.template)).toEqual(
      expect.arrayContaining(["release_requested", "payment_released", "loan_funded"]),
    );

    // Done: there is nothing left to complete.
    const late = await complete(merchant.key, signed.applicationId);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: { code: "invalid_state" } });
  });

  it("refuses to complete an application that does not wait for the job", async () => {
    const signed = await signedApplication(merchant.key, { crmCustomerId: "c-2", crmJobId: "j-2" });
    await waitFor(async () => (await statusOf(signed.applicationId)) === "awaiting_completion", {
      what: "the loan row",
    });
    await database.write((tx) =>
      tx
        .update(applications)
        .set({ status: "canceled" })
        .where(eq(applications.id, signed.applicationId)),
    );
    const answer = await complete(merchant.key, signed.applicationId);
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ error: { code: "invalid_state" } });
  });

  it("releases by itself 7 days after completion when the borrower says nothing", async () => {
    const signed = await awaitingJob(merchant.key, "job-3");
    expect((await complete(merchant.key, signed.applicationId)).status).toBe(200);
    await releaseToken(signed.applicationId);
    // A day later nothing has moved; at 7 days the scheduled job releases it.
    clock.advance(24 * 3600_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await statusOf(signed.applicationId)).toBe("awaiting_completion");
    clock.advance(6 * 24 * 3600_000 + 1000);
    await waitFor(async () => (await statusOf(signed.applicationId)) === "funded", {
      what: "the auto-release and funding",
    });
    const loan = (await loanOf(signed.applicationId))!;
    expect(lenderLoanOf(loan.id)!.disbursements).toHaveLength(1);
    const texts = await database.db
      .select({ template: messages.template, bodyEnc: messages.bodyEnc })
      .from(messages)
      .where(
        and(
          eq(messages.applicationId, signed.applicationId),
          eq(messages.template, "payment_released"),
        ),
      );
    expect(texts).toHaveLength(1);
    expect(messageBody(texts[0]!.bodyEnc)).toContain("7 days passed");
  });

  it("holds the payment when the borrower reports a problem, until FlowOps releases it", async () => {
    const signed = await awaitingJob(merchant.key, "job-4");
    await complete(merchant.key, signed.applicationId);
    const token = await releaseToken(signed.applicationId);
    const reported = await reportProblem(database, {
      token,
      description: "The back fence was never painted",
      client,
    });
    expect(reported.kind).toBe("problem_reported");
    const reviewId = (reported as { reviewId: string }).reviewId;
    // The review queue shows it; the link is spent; the timer no longer releases it.
    const queue = await listQueue(database);
    expect(queue.items.find((item) => item.id === reviewId)).toMatchObject({
      applicationId: signed.applicationId,
      reason: "release_dispute",
    });
    expect(await releaseWithLink(database, { token, client })).toMatchObject({
      kind: "unchanged",
    });
    clock.advance(8 * 24 * 3600_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOf(signed.applicationId)).toBe("awaiting_completion");
    expect(await loadReleasePage(database, token)).toMatchObject({ stage: "paused" });
    // FlowOps' application page says the payment is on hold, and why.
    const detail = await loadApplicationDetail(database, signed.applicationId);
    expect(detail?.loan).toMatchObject({
      releasedCents: 0,
      release: { pausedAt: expect.any(String) },
    });

    const operatorId = newId("op");
    await database.write((tx) =>
      tx.insert(operators).values({
        id: operatorId,
        email: `${operatorId}@flowpay.test`,
        name: "Riley Ops",
        role: "admin",
        passwordHash: "x",
      }),
    );
    await releaseAfterReview(database, {
      reviewId,
      operatorId,
      note: "Merchant painted the fence; borrower agreed by phone",
      client,
    });
    await waitFor(async () => (await statusOf(signed.applicationId)) === "funded", {
      what: "funding after the review",
    });
  });

  it("pays a progress plan in two disbursements, each once and each in the ledger", async () => {
    const signed = await awaitingJob(progressive.key, "job-5");
    const booked = (await loanOf(signed.applicationId))!;
    expect(booked.upfrontCents).toBe(300_000); // 40 % of $7,500
    // The first part is paid while the job is open.
    await waitFor(async () => (await loanOf(signed.applicationId))!.releasedCents === 300_000, {
      what: "the upfront part",
    });
    expect(await statusOf(signed.applicationId)).toBe("awaiting_completion");
    expect(await statusResource(progressive.key, signed.applicationId)).toMatchObject({
      status: "awaiting_completion",
      loan: { released_cents: 300_000 },
    });
    await complete(progressive.key, signed.applicationId);
    const token = await releaseToken(signed.applicationId);
    await releaseWithLink(database, { token, client });
    await waitFor(async () => (await statusOf(signed.applicationId)) === "funded", {
      what: "the second part",
    });
    const loan = (await loanOf(signed.applicationId))!;
    expect(loan).toMatchObject({ releasedCents: 750_000, fundedAmountCents: 727_500 });
    expect(loan.upfrontDisbursementId).not.toBe(loan.disbursementId);
    // Fee 3 %: $90.00 of it on the first $3,000.00, the rest ($135.00) on the other $4,500.00.
    expect(lenderLoanOf(loan.id)!.disbursements.map((d) => d.amount_cents)).toEqual([
      291_000, 436_500,
    ]);
    expect(
      lender.requests
        .filter((r) => r.method === "POST" && r.idempotencyKey?.startsWith(loan.id))
        .map((r) => r.idempotencyKey),
    ).toEqual([`${loan.id}:create`, `${loan.id}:disburse:upfront`, `${loan.id}:disburse`]);
    const lines = await database.db
      .select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.loanId, loan.id))
      .orderBy(asc(ledgerEntries.id));
    const sums = new Map<string, number>();
    for (const line of lines) {
      sums.set(line.transactionId, (sums.get(line.transactionId) ?? 0) + line.amountCents);
    }
    // Two balanced postings: one per part, never one for the whole.
    expect([...sums.values()]).toEqual([0, 0]);
    expect(await merchantBalances(database, progressive.id)).toMatchObject({
      disbursedCents: 727_500,
      owedToMerchantCents: 727_500,
    });
  });

  it("waits for the job again after a reroute: the new signature does not pay at once (ADR 032)", async () => {
    const signed = await awaitingJob(merchant.key, "job-6");
    const loan = (await loanOf(signed.applicationId))!;
    // What a reroute leaves (lender-decline.server.ts): the loan back to pending_funding without
    // a lender loan id, attempt 2; the borrower has just signed again.
    await database.write(async (tx) => {
      await tx
        .update(loans)
        .set({ status: "pending_funding", lenderLoanId: null, attempt: 2, lender: "mock" })
        .where(eq(loans.id, loan.id));
      await tx
        .update(applications)
        .set({ status: "offer_accepted" })
        .where(eq(applications.id, signed.applicationId));
    });
    const step = await createLoanForApplication(database, await getLenders(), signed.applicationId);
    expect(step.kind).toBe("done");
    const rebooked = (await loanOf(signed.applicationId))!;
    expect(rebooked).toMatchObject({ status: "awaiting_completion", attempt: 2 });
    expect(await statusOf(signed.applicationId)).toBe("awaiting_completion");
    expect(lenderLoanOf(loan.id)).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      [...lender.loans.values()]
        .filter((l) => l.external_loan_id === loan.id)
        .flatMap((l) => l.disbursements),
    ).toEqual([]);
  });
});
