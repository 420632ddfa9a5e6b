/**
 * kill -9 during a refund (issue 15, ADR 053): a job-runner process asks the mock lender for the
 * refund and is killed after the lender made it but before the process recorded the answer. The
 * job is orphaned; once its lease expires another runner takes it again and calls again with the
 * same idempotency key. The mock lender's own record must show exactly one refund, and the
 * ledger must move exactly once (on the lender's single loan.refunded).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { startMockLender } from "~/adapters/lender/index";
import { startRouteServer } from "~/scripts/testing/route-server";

const apiKey = "mock-lender-crash-key";
const webhookSecret = "mock-lender-crash-webhook-secret";

// Our lender webhook route on a local server: the mock lender POSTs its events there.
const webhookPath = "/api/v1/webhooks/lender/mock";
const appServer = await startRouteServer(
  { [webhookPath]: () => import("~/app/routes/api.v1.webhooks.lender.$lender") },
  { [webhookPath]: { lender: "mock" } },
);
process.env.APP_URL = appServer.url;

let victim: ChildProcess | null = null;
let killedAfter: string | null = null;
const lender = await startMockLender({
  apiKey,
  webhookSecret,
  // Held back until the retry: the test looks at the lender's record first.
  webhookUrl: null,
  fundingDelayMs: 60_000,
  webhookRetryDelayMs: 50,
  // Called once the lender has made the refund, just before it answers: the moment to kill.
  log: (line) => {
    if (victim && !killedAfter && /^POST \/v1\/loans\/[^/]+\/refunds → 201/.test(line)) {
      killedAfter = line;
      victim.kill("SIGKILL");
    }
  },
});
process.env.LENDER_MOCK_URL = lender.url;
process.env.LENDER_MOCK_API_KEY = apiKey;
process.env.LENDER_MOCK_WEBHOOK_SECRET = webhookSecret;

const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { signedApplication } = await import("./test-helpers");
const { getLenders } = await import("./lenders.server");
const { requestRefund } = await import("./refunds.server");
const { merchantBalances } = await import("./ledger.server");
const { JobRegistry } = await import("~/jobs/registry");
const { handleRequestRefund } = await import("~/jobs/handlers/request-refund");
const { requestRefundJob } = await import("~/jobs/handlers/request-refund.definition");
const { applyLenderEventJob } = await import("~/jobs/handlers/apply-lender-event.definition");
const { handleApplyLenderEvent } = await import("~/jobs/handlers/apply-lender-event");
const { testRunner, manualClock, waitFor } = await import("~/jobs/testing/helpers");

import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { applications, lenderTransactions, loans, outbox, refunds } from "~/db/schema/index";

const database = await appDatabase();
const merchant = await createMerchant({ name: "Acme Pest Control", merchantFeeBps: 300 });

afterAll(async () => {
  victim?.kill("SIGKILL");
  await lender.close();
  await appServer.close();
});

/** A funded loan that the mock lender really holds (created, disbursed and funded there). */
async function fundedLoan() {
  const signed = await signedApplication(merchant.key, { crmCustomerId: "C-1", crmJobId: "J-1" });
  const loanId = newId("loan");
  const adapter = (await getLenders()).get("mock");
  const booked = await adapter.createLoan({
    idempotencyKey: `${loanId}:create`,
    applicationId: signed.applicationId,
    loanId,
    merchantId: merchant.id,
    principalCents: 750_000,
    amountFinancedCents: 750_000,
    termMonths: 12,
    apr: "9.99",
    noteRate: "9.99",
    monthlyPaymentCents: 65_900,
    firstPaymentDate: "2027-01-07",
    borrower: { firstName: "Dana", lastName: "Rivera", state: "TX" },
  });
  await adapter.requestDisbursement({
    idempotencyKey: `${loanId}:disburse`,
    lenderLoanId: booked.lenderLoanId,
    amountCents: 727_500,
    merchantAccountLast4: null,
    merchantReference: loanId,
  });
  await lender.fund(booked.lenderLoanId);
  await database.write(async (tx) => {
    await tx.insert(loans).values({
      id: loanId,
      applicationId: signed.applicationId,
      offerId: signed.offer.id,
      merchantId: merchant.id,
      lender: "mock",
      lenderLoanId: booked.lenderLoanId,
      status: "funded",
      principalCents: 750_000,
      amountCents: 750_000,
      merchantFeeCents: 22_500,
      disbursementCents: 727_500,
      fundedAmountCents: 727_500,
      fundedAt: new Date(),
      paymentSchedule: [],
    });
    await tx
      .update(applications)
      .set({ status: "funded" })
      .where(eq(applications.id, signed.applicationId));
  });
  return { loanId, lenderLoanId: booked.lenderLoanId, applicationId: signed.applicationId };
}

function startVictim(): Promise<ChildProcess> {
  // node itself with tsx's loader, so the SIGKILL reaches the process that runs the job.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/testing/refund-worker.ts", "victim"],
    { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"], env: { ...process.env } },
  );
  return new Promise((resolve, reject) => {
    child.once("exit", (code, signal) => {
      if (!killedAfter) reject(new Error(`worker exited early (${code ?? signal})`));
    });
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
  });
}

describe("kill -9 during a refund", () => {
  it("leaves exactly one refund at the lender and one ledger posting", async () => {
    const { loanId, lenderLoanId, applicationId } = await fundedLoan();
    const before = await merchantBalances(database, merchant.id);
    victim = await startVictim();
    const exited = new Promise((resolve) => victim!.once("exit", resolve));
    const { refund } = await requestRefund(database, {
      merchantId: merchant.id,
      loanId,
      amountCents: 375_000,
      reason: "Half the job",
      idempotencyKey: "crash-half",
    });
    await exited;
    expect(killedAfter).not.toBeNull();

    // The lender made the refund; we never recorded its answer; the job is orphaned mid-run.
    const lenderLoan = () => lender.loans.get(lenderLoanId)!;
    expect(lenderLoan().refunds).toHaveLength(1);
    const job = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.kind, "request-refund"))
      .get();
    expect(job).toMatchObject({ state: "running", lockedBy: "victim" });
    const answered = await database.db
      .select()
      .from(lenderTransactions)
      .where(
        and(eq(lenderTransactions.loanId, loanId), eq(lenderTransactions.operation, "refund_loan")),
      );
    expect(answered).toEqual([]);

    // Another runner takes the job once the lease has expired (the clock moved past it), calls
    // the lender again with the same key, and records the first refund's answer.
    const clock = manualClock();
    const runner = testRunner(
      database,
      new JobRegistry()
        .handle(requestRefundJob, handleRequestRefund)
        .handle(applyLenderEventJob, handleApplyLenderEvent),
      { clock: clock.now, sweepIntervalMs: 50 },
    ).start();
    try {
      clock.advance(10 * 60_000);
      await waitFor(
        async () =>
          (
            await database.db
              .select()
              .from(lenderTransactions)
              .where(
                and(
                  eq(lenderTransactions.loanId, loanId),
                  eq(lenderTransactions.operation, "refund_loan"),
                  eq(lenderTransactions.outcome, "ok"),
                ),
              )
          ).length === 1,
        { what: "the retried refund call recorded" },
      );
      const calls = lender.requests.filter((r) => r.path.endsWith("/refunds"));
      expect(calls.map((r) => r.idempotencyKey)).toEqual([
        `${refund.id}:refund`,
        `${refund.id}:refund`,
      ]);
      expect(calls.map((r) => r.replayed)).toEqual([false, true]);
      expect(lenderLoan().refunds).toHaveLength(1);
      expect(lenderLoan().refunded_cents).toBe(375_000);

      // The lender's one loan.refunded completes the refund: the ledger moves once.
      lender.setWebhookUrl(`${process.env.APP_URL}/api/v1/webhooks/lender/mock`);
      await waitFor(
        async () =>
          (await database.db.select().from(refunds).where(eq(refunds.id, refund.id)).get())
            ?.status === "completed",
        { what: "the refund completed" },
      );
    } finally {
      await runner.stop({ graceMs: 1000 });
    }
    const refundedEvents = lender.events.filter(
      (e) => e.event === "loan.refunded" && e.loanId === lenderLoanId,
    );
    expect(refundedEvents).toHaveLength(1);
    const after = await merchantBalances(database, merchant.id);
    expect(after.refundedCents - before.refundedCents).toBe(375_000 - 11_250);
    const app = await database.db
      .select({ status: applications.status })
      .from(applications)
      .where(eq(applications.id, applicationId))
      .get();
    expect(app?.status).toBe("partially_refunded");
  }, 60_000);
});
