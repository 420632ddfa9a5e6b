/**
 * Funding end to end, in-process, against a real mock lender (HTTP, idempotency keys, signed
 * webhooks) and a fake FieldRoutes office: the live adapters are exercised, not bypassed. Our
 * lender webhook route is served on a local HTTP server whose URL is APP_URL, and the mock
 * lender really POSTs its signed loan.funded there.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeFieldRoutes } from "~/adapters/fieldroutes/fake-server";
import { signLenderWebhook, startMockLender } from "~/adapters/lender/index";

const apiKey = "mock-lender-test-key";
const webhookSecret = "mock-lender-test-webhook-secret";
const fr = await startFakeFieldRoutes({
  subdomain: "acme",
  authenticationKey: "fr-key-0123456789",
  authenticationToken: "fr-token-0123456789",
  officeId: "1",
  officeName: "Acme Pest Control (Austin)",
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route module
type Route = { action?: (args: any) => unknown };
const webhookRoute = () => import("~/app/routes/api.v1.webhooks.lender.$lender") as Promise<Route>;
const appServer = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", async () => {
    const match = /^\/api\/v1\/webhooks\/lender\/([^/?]+)$/.exec(req.url ?? "");
    if (!match) return res.writeHead(404).end();
    const request = new Request(`${process.env.APP_URL}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body,
    });
    const response = (await (
      await webhookRoute()
    ).action!({ request, params: { lender: match[1] }, context: {} })) as Response;
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(await response.text());
  });
});
await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
process.env.APP_URL = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;

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
const { openApplication, makeDecidable, signFirstOffer, signedApplication, loanOf } =
  await import("./test-helpers");
const { createAppJobRegistry } = await import("~/jobs/handlers/index");
const { testRunner, manualClock, waitFor, jobRow } = await import("~/jobs/testing/helpers");
const { enqueue } = await import("~/jobs/enqueue.server");
const { decideApplicationJob } = await import("~/jobs/handlers/decide-application.definition");
const { listDeadJobs, retryDeadJob } = await import("~/jobs/admin.server");
const { connectFieldRoutes } = await import("~/app/crm-sync/connections.server");
const { createLoanForApplication } = await import("./funding.server");
const { applyLenderEvent } = await import("./events.server");
const { getLenders } = await import("./lenders.server");
const { businessMetrics } = await import("~/app/observability/business-metrics.server");
const getRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId");

import { and, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import type { LenderAdapter, LenderRegistry } from "~/adapters/lender/index";
import type { JobRunner } from "~/jobs/runner.server";
import {
  applications,
  crmSyncLogs,
  lenderTransactions,
  messages,
  outbox,
  webhookEvents,
} from "~/db/schema/index";
import { merchantBalances } from "./ledger.server";

const database = await appDatabase();
const merchant = await createMerchant({
  name: "Acme Pest Control",
  merchantFeeBps: 300,
  disbursementAccountLast4: "6789",
});
const connected = await connectFieldRoutes(
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
  await new Promise((resolve) => appServer.close(resolve));
});

async function counter(metric: { get(): Promise<{ values: { value: number }[] }> }) {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

const lenderLoansFor = (loanId: string) =>
  [...lender.loans.values()].filter((loan) => loan.external_loan_id === loanId);

async function lenderRows(loanId: string) {
  return database.db
    .select()
    .from(lenderTransactions)
    .where(eq(lenderTransactions.loanId, loanId))
    .orderBy(lenderTransactions.createdAt);
}

function signedEvent(body: Record<string, unknown>, secret = webhookSecret, at = Date.now()) {
  const raw = JSON.stringify(body);
  return { raw, signature: signLenderWebhook(secret, raw, Math.floor(at / 1000)) };
}

async function postWebhook(raw: string, signature: string | null, lenderName = "mock") {
  const route = await webhookRoute();
  return callRoute(route, {
    method: "POST",
    path: `/api/v1/webhooks/lender/${lenderName}`,
    params: { lender: lenderName },
    headers: {
      "Content-Type": "application/json",
      ...(signature ? { "X-Lender-Signature": signature } : {}),
    },
    body: raw,
  });
}

describe("sign → loan → disbursement → funded webhook → CRM", () => {
  it("funds exactly once, texts the borrower and shows Funded in the CRM and the API", async () => {
    expect(connected).toMatchObject({ ok: true });
    fr.setAppointments([
      { appointmentID: "2001", customerID: "1001", status: 0, notes: "Gate code 1234" },
    ]);
    const createdBefore = await counter(businessMetrics.loansCreated);
    const fundedBefore = await counter(businessMetrics.loansFunded);
    const amountBefore = await counter(businessMetrics.loansFundedAmount);

    runner = testRunner(database, createAppJobRegistry()).start();
    const opened = await openApplication(merchant.key, { crmCustomerId: "1001", crmJobId: "2001" });
    await makeDecidable(opened.applicationId);
    await database.write((tx) =>
      enqueue(tx, decideApplicationJob, { applicationId: opened.applicationId }),
    );
    const status = async () =>
      (
        await database.db
          .select({ status: applications.status })
          .from(applications)
          .where(eq(applications.id, opened.applicationId))
          .get()
      )?.status;
    await waitFor(async () => (await status()) === "approved", { what: "approval" });
    const offer = await signFirstOffer(opened);

    await waitFor(async () => (await status()) === "funded", { what: "funding" });
    const loan = (await loanOf(opened.applicationId))!;
    expect(loan).toMatchObject({
      status: "funded",
      amountCents: 750_000,
      merchantFeeCents: 22_500,
      disbursementCents: 727_500,
      fundedAmountCents: 727_500,
      offerId: offer.id,
    });

    // The books: the lender owes the whole loan, the merchant is owed it less its fee, once.
    const books = await merchantBalances(database, merchant.id);
    expect(books).toMatchObject({ disbursedCents: 727_500, owedToMerchantCents: 727_500 });
    // The lender's settlement report of that day agrees with the ledger (ADR 056).
    const { reconcileSettlementDate } = await import("./reconciliation.server");
    const day = loan.fundedAt!.toISOString().slice(0, 10);
    const reconciled = await reconcileSettlementDate(
      database,
      (await getLenders()).get("mock"),
      day,
    );
    expect(reconciled).toMatchObject({ reportLines: 1, ledgerMovements: 1, differences: 0 });

    // The lender saw one loan and one disbursement, each with its own key derived from our ids.
    const atLender = lenderLoansFor(loan.id);
    expect(atLender).toHaveLength(1);
    expect(atLender[0]!.id).toBe(loan.lenderLoanId);
    expect(atLender[0]!.disbursements.map((d) => d.amount_cents)).toEqual([727_500]);
    const posts = lender.requests.filter(
      (r) => r.method === "POST" && r.idempotencyKey?.startsWith(loan.id),
    );
    expect(posts.map((r) => r.idempotencyKey)).toEqual([
      `${loan.id}:create`,
      `${loan.id}:disburse`,
    ]);

    const rows = await lenderRows(loan.id);
    expect(rows.map((r) => `${r.operation}:${r.outcome}`).sort()).toEqual([
      "create_loan:ok",
      "event:loan.funded:event",
      "request_disbursement:ok",
    ]);
    expect(JSON.stringify(rows)).not.toContain(apiKey);
    expect(JSON.stringify(rows)).not.toContain(webhookSecret);

    const texts = await database.db
      .select()
      .from(messages)
      .where(
        and(eq(messages.applicationId, opened.applicationId), eq(messages.template, "loan_funded")),
      );
    expect(texts).toHaveLength(1);

    // The CRM: one note per status change on customer 1001, the appointment's notes kept + ours.
    await waitFor(() => fr.notes.some((n) => n.notes.includes("FUNDED")), { what: "CRM note" });
    await waitFor(() => fr.appointments.get("2001")?.notes.includes("FUNDED") ?? false, {
      what: "appointment line",
    });
    const notes = fr.notes.filter((n) => n.customerID === "1001").map((n) => n.notes);
    for (const words of [
      "link SENT",
      "financing APPROVED",
      "financing SIGNED",
      "financing FUNDED",
    ]) {
      expect(notes.filter((text) => text.includes(words))).toHaveLength(1);
    }
    const funded = notes.find((text) => text.includes("FUNDED"))!;
    expect(funded).toContain("$7,500.00 paid: $7,275.00 to Acme Pest Control");
    expect(funded).toContain("$225.00 merchant fee");
    expect(funded).toMatch(/\[fp:[0-9a-f]{8}\]$/);
    const appointment = fr.appointments.get("2001")!.notes;
    expect(appointment.startsWith("Gate code 1234\n")).toBe(true);
    expect(appointment).toContain("FlowPay financing: FUNDED $7,500.00");

    const logs = await database.db
      .select()
      .from(crmSyncLogs)
      .where(eq(crmSyncLogs.applicationId, opened.applicationId));
    expect(logs.some((l) => l.operation === "note/create" && l.outcome === "ok")).toBe(true);
    expect(logs.some((l) => l.operation === "appointment/update" && l.outcome === "ok")).toBe(true);
    expect(JSON.stringify(logs)).not.toContain("fr-key-0123456789");
    expect(JSON.stringify(logs)).not.toContain("fr-token-0123456789");

    const view = await callRoute(getRoute, {
      path: `/api/v1/crm/applications/${opened.applicationId}`,
      params: { applicationId: opened.applicationId },
      headers: jsonHeaders(merchant.key),
    });
    const json = (await view.json()) as {
      status: string;
      loan: { status: string; funded_amount_cents: number; funded_at: string };
    };
    expect(json.status).toBe("funded");
    expect(json.loan).toMatchObject({ status: "funded", funded_amount_cents: 727_500 });
    expect(new Date(json.loan.funded_at).getTime()).toBe(loan.fundedAt!.getTime());

    expect((await counter(businessMetrics.loansCreated)) - createdBefore).toBe(1);
    expect((await counter(businessMetrics.loansFunded)) - fundedBefore).toBe(1);
    expect((await counter(businessMetrics.loansFundedAmount)) - amountBefore).toBe(727_500);

    // The lender delivers the same event again: 200, nothing stored twice, no second effect.
    const event = await lender.fund(loan.lenderLoanId!);
    expect(lender.webhookAttempts.filter((a) => a.eventId === event.id).at(-1)?.status).toBe(200);
    const stored = await database.db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.partner, "lender:mock"), eq(webhookEvents.eventId, event.id)));
    expect(stored).toHaveLength(1);
    const applyJobs = await database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.kind, "apply-lender-event"), sql`payload LIKE ${`%${event.id}%`}`));
    expect(applyJobs).toHaveLength(1);
    await runner.stop({ graceMs: 1000 });
    runner = undefined;
    expect((await counter(businessMetrics.loansFunded)) - fundedBefore).toBe(1);
    expect(
      await database.db
        .select()
        .from(messages)
        .where(
          and(
            eq(messages.applicationId, opened.applicationId),
            eq(messages.template, "loan_funded"),
          ),
        ),
    ).toHaveLength(1);
  });
});

describe("the lender webhook route", () => {
  const body = {
    id: "evt_forged_1",
    event: "loan.funded",
    loan_id: "LOAN-nope00",
    funded_amount_cents: 727_500,
    occurred_at: "2026-11-30T15:00:00Z",
  };
  const storedCount = async () =>
    (
      await database.db.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM webhook_events WHERE partner = 'lender:mock'`,
      )
    )?.n;

  it("answers a forged, unsigned or stale event 401 and stores nothing", async () => {
    const before = await storedCount();
    const forged = signedEvent(body, "not-the-secret");
    expect((await postWebhook(forged.raw, forged.signature)).status).toBe(401);
    expect((await postWebhook(forged.raw, null)).status).toBe(401);
    const stale = signedEvent(body, webhookSecret, Date.now() - 301_000);
    const response = await postWebhook(stale.raw, stale.signature);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "unauthorized",
    );
    // The right signature over another body is a forgery too.
    const good = signedEvent(body);
    expect((await postWebhook(good.raw.replace("727500", "999999"), good.signature)).status).toBe(
      401,
    );
    expect(await storedCount()).toBe(before);
  });

  it("stores a genuine event once; a replay answers 200 with no second job", async () => {
    const event = signedEvent({ ...body, id: "evt_replay_1" });
    const first = await postWebhook(event.raw, event.signature);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: true, replayed: false });
    const again = await postWebhook(event.raw, event.signature);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ received: true, replayed: true });
    const jobs = await database.db
      .select()
      .from(outbox)
      .where(
        and(
          eq(outbox.kind, "apply-lender-event"),
          eq(outbox.key, "apply-lender-event:mock:evt_replay_1"),
        ),
      );
    expect(jobs).toHaveLength(1);
  });

  it("answers 404 for a lender that is not configured", async () => {
    const event = signedEvent(body);
    expect((await postWebhook(event.raw, event.signature, "nobank")).status).toBe(404);
  });
});

describe("lender failures", () => {
  async function createLoanJobId(applicationId: string) {
    const row = await database.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(eq(outbox.key, `create-loan:${applicationId}`))
      .get();
    return row!.id;
  }

  it("retries through the outbox's backoff when the lender fails 3 times, then creates one loan", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "1002",
      crmJobId: "2002",
    });
    const id = await createLoanJobId(signed.applicationId);
    lender.failNext(3, 503);
    const clock = manualClock();
    runner = testRunner(database, createAppJobRegistry(), {
      clock: clock.now,
      random: () => 0.5,
    }).start();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await waitFor(async () => {
        const row = await jobRow(database, id);
        return row?.state === "pending" && row.attempts === attempt;
      });
      const row = (await jobRow(database, id))!;
      expect(row.lastError).toMatch(/HTTP 503/);
      clock.advance(row.runAt - row.updatedAt);
    }
    await waitFor(async () => (await jobRow(database, id))?.state === "completed");
    expect(await jobRow(database, id)).toMatchObject({ attempts: 4, lastError: null });
    // Its disbursement too, before the next test injects lender failures.
    await waitFor(async () => Boolean((await loanOf(signed.applicationId))?.disbursementId));
    await runner.stop({ graceMs: 1000 });
    runner = undefined;

    const loan = (await loanOf(signed.applicationId))!;
    expect(lenderLoansFor(loan.id)).toHaveLength(1);
    const creates = (await lenderRows(loan.id)).filter((r) => r.operation === "create_loan");
    expect(creates.map((r) => [r.outcome, r.statusCode])).toEqual([
      ["error", 503],
      ["error", 503],
      ["error", 503],
      ["ok", null],
    ]);
    expect(new Set(creates.map((r) => r.idempotencyKey))).toEqual(new Set([`${loan.id}:create`]));
  });

  it("sends a 4xx to the dead letters, visible with its error; the borrower only waits", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "1003",
      crmJobId: "2003",
    });
    const id = await createLoanJobId(signed.applicationId);
    lender.failNext(1, 422, "invalid_request");
    runner = testRunner(database, createAppJobRegistry()).start();
    await waitFor(async () => (await jobRow(database, id))?.state === "dead");
    await runner.stop({ graceMs: 1000 });
    runner = undefined;

    const dead = await listDeadJobs(database, { kind: "create-loan" });
    expect(dead.find((job) => job.id === id)?.lastError).toMatch(/HTTP 422 \(invalid_request\)/);
    const loan = (await loanOf(signed.applicationId))!;
    expect(loan).toMatchObject({ status: "pending_funding", lenderLoanId: null });
    const app = await database.db
      .select({ status: applications.status })
      .from(applications)
      .where(eq(applications.id, signed.applicationId))
      .get();
    // The borrower's page for pending_funding is "done": "we'll text you when … has been paid".
    expect(app?.status).toBe("pending_funding");

    // An operator retries it once the lender is fixed: one loan, with the same key.
    await retryDeadJob(database, id, { actorType: "cli", actorId: "test" });
    runner = testRunner(database, createAppJobRegistry()).start();
    await waitFor(async () => (await jobRow(database, id))?.state === "completed");
    await waitFor(async () => Boolean((await loanOf(signed.applicationId))?.disbursementId));
    await runner.stop({ graceMs: 1000 });
    runner = undefined;
    expect(lenderLoansFor(loan.id)).toHaveLength(1);
  });

  it("after a crash between the lender creating the loan and our record of it, the retry reuses the key: one loan", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "1004",
      crmJobId: "2004",
    });
    const real = await getLenders();
    // The lender creates the loan, then the process dies before the answer is recorded.
    const crashing: LenderRegistry = {
      ...real,
      get(name) {
        const adapter = real.get(name);
        return {
          ...adapter,
          async createLoan(input, signal) {
            await adapter.createLoan(input, signal);
            throw new Error("process killed before recording the lender's answer");
          },
        } satisfies LenderAdapter;
      },
    };
    await expect(
      createLoanForApplication(database, crashing, signed.applicationId),
    ).rejects.toThrow(/process killed/);
    const opened = (await loanOf(signed.applicationId))!;
    expect(opened).toMatchObject({ status: "pending_funding", lenderLoanId: null });
    expect(lenderLoansFor(opened.id)).toHaveLength(1);

    const step = await createLoanForApplication(database, real, signed.applicationId);
    expect(step.kind).toBe("done");
    const recorded = (await loanOf(signed.applicationId))!;
    expect(recorded.id).toBe(opened.id);
    expect(lenderLoansFor(recorded.id)).toHaveLength(1);
    expect(recorded.lenderLoanId).toBe(lenderLoansFor(recorded.id)[0]!.id);
    const creates = lender.requests.filter((r) => r.idempotencyKey === `${recorded.id}:create`);
    expect(creates.map((r) => r.replayed)).toEqual([false, true]);

    // A third run (the job again, at least once) neither calls create nor makes a second loan.
    expect((await createLoanForApplication(database, real, signed.applicationId)).kind).toBe(
      "already",
    );
    expect(
      lender.requests.filter((r) => r.idempotencyKey === `${recorded.id}:create`),
    ).toHaveLength(2);
  });
});

describe("the loan state machine, applied to lender events", () => {
  it("cancels before funding; a funded event after that is refused, not applied", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "1005",
      crmJobId: "2005",
    });
    const step = await createLoanForApplication(database, await getLenders(), signed.applicationId);
    expect(step.kind).toBe("done");
    const loan = (await loanOf(signed.applicationId))!;

    const canceled = await lender.cancel(loan.lenderLoanId!);
    expect(canceled.state).toBe("delivered");
    expect(
      await applyLenderEvent(database, { lender: "mock", eventId: canceled.id }),
    ).toMatchObject({
      kind: "canceled",
    });
    expect((await loanOf(signed.applicationId))?.status).toBe("canceled");
    const app = await database.db
      .select({ status: applications.status, canceledAt: applications.canceledAt })
      .from(applications)
      .where(eq(applications.id, signed.applicationId))
      .get();
    expect(app?.status).toBe("canceled");
    expect(app?.canceledAt).toBeInstanceOf(Date);
    // Applying it again (the job ran twice) changes nothing.
    expect(
      await applyLenderEvent(database, { lender: "mock", eventId: canceled.id }),
    ).toMatchObject({
      kind: "already",
    });

    const late = signedEvent({
      id: "evt_late_funded",
      event: "loan.funded",
      loan_id: loan.lenderLoanId,
      funded_amount_cents: loan.disbursementCents,
      occurred_at: new Date().toISOString(),
    });
    expect((await postWebhook(late.raw, late.signature)).status).toBe(200);
    await expect(
      applyLenderEvent(database, { lender: "mock", eventId: "evt_late_funded" }),
    ).rejects.toMatchObject({ name: "IllegalTransitionError", permanent: true });
    expect((await loanOf(signed.applicationId))?.status).toBe("canceled");
  });

  it("retries an event for a loan we have not recorded yet (transient)", async () => {
    const early = signedEvent({
      id: "evt_too_early",
      event: "loan.funded",
      loan_id: "LOAN-unrec0",
      funded_amount_cents: 100,
      occurred_at: new Date().toISOString(),
    });
    expect((await postWebhook(early.raw, early.signature)).status).toBe(200);
    const error = await applyLenderEvent(database, {
      lender: "mock",
      eventId: "evt_too_early",
    }).catch((e: unknown) => e as { permanent?: boolean; message: string });
    expect(error).toMatchObject({ message: expect.stringMatching(/not recorded/) });
    expect((error as { permanent?: boolean }).permanent).toBeUndefined();
  });
});
