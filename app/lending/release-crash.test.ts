/**
 * kill -9 during a release (issue 15, ADR 050): a job-runner process runs the 7-day
 * auto-release — the release transaction, then the disbursement it enqueues — and is killed
 * after the mock lender made the disbursement but before the process recorded the answer. The
 * job is orphaned; once its lease expires another runner takes it and calls again with the same
 * idempotency key. The mock lender's own record must show exactly one disbursement, and the loan
 * must fund (and post to the ledger) exactly once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { startLenderTestBed } from "~/scripts/testing/lender-test-bed";

let victim: ChildProcess | null = null;
let killedAfter: string | null = null;
const bed = await startLenderTestBed({
  apiKey: "mock-lender-release-crash-key",
  webhookSecret: "mock-lender-release-crash-webhook-secret",
  // Held back until the retry: the test looks at the lender's record first.
  holdWebhooks: true,
  fundingDelayMs: 60_000,
  // Called once the lender has made the disbursement, just before it answers: the moment to kill.
  log: (line) => {
    if (victim && !killedAfter && /^POST \/v1\/loans\/[^/]+\/disbursements → 201/.test(line)) {
      killedAfter = line;
      victim.kill("SIGKILL");
    }
  },
});
const lender = bed.lender;

const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { signedApplication, loanOf } = await import("./test-helpers");
const { getLenders } = await import("./lenders.server");
const { createLoanForApplication } = await import("./funding.server");
const { markJobComplete } = await import("./release.server");
const { merchantBalances } = await import("./ledger.server");
const { JobRegistry } = await import("~/jobs/registry");
const { handleRequestDisbursement } = await import("~/jobs/handlers/request-disbursement");
const { requestDisbursementJob } = await import("~/jobs/handlers/request-disbursement.definition");
const { applyLenderEventJob } = await import("~/jobs/handlers/apply-lender-event.definition");
const { handleApplyLenderEvent } = await import("~/jobs/handlers/apply-lender-event");
const { testRunner, manualClock, waitFor } = await import("~/jobs/testing/helpers");

import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { applications, lenderTransactions, outbox } from "~/db/schema/index";

const database = await appDatabase();
const merchant = await createMerchant({
  name: "Greenway Landscaping",
  merchantFeeBps: 300,
  fundingMode: "on_completion",
});

afterAll(async () => {
  victim?.kill("SIGKILL");
  await bed.close();
});

function startVictim(): Promise<ChildProcess> {
  // node itself with tsx's loader, so the SIGKILL reaches the process that runs the job.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/testing/release-worker.ts", "victim"],
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

const disbursementCalls = () =>
  lender.requests.filter((r) => r.method === "POST" && r.path.endsWith("/disbursements"));

describe("kill -9 during a release", () => {
  it("leaves exactly one disbursement at the lender, and the loan funds once", async () => {
    const signed = await signedApplication(merchant.key, { crmCustomerId: "C-1", crmJobId: "J-1" });
    // Booked at the lender at signature; nothing is paid while the job is open.
    const booked = await createLoanForApplication(
      database,
      await getLenders(),
      signed.applicationId,
    );
    expect(booked.kind).toBe("done");
    const loan = (await loanOf(signed.applicationId))!;
    expect(loan.status).toBe("awaiting_completion");
    await database.write((tx) =>
      markJobComplete(tx, {
        applicationId: signed.applicationId,
        actor: { actorType: "system", actorId: "test" },
      }),
    );
    // Seven days of silence: the auto-release job is due now.
    await database.client.execute({
      sql: "UPDATE outbox SET run_at = ? WHERE kind = 'auto-release'",
      args: [Date.now()],
    });

    victim = await startVictim();
    await new Promise((resolve) => victim!.once("exit", resolve));
    expect(killedAfter).not.toBeNull();

    // The release committed (one transaction); the lender made the disbursement; we never
    // recorded its answer; the disbursement job is orphaned mid-run.
    expect((await loanOf(signed.applicationId))!).toMatchObject({
      status: "pending_funding",
      disbursementId: null,
    });
    const lenderLoan = () => lender.loans.get(loan.lenderLoanId!)!;
    expect(lenderLoan().disbursements).toHaveLength(1);
    const job = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.kind, "request-disbursement"))
      .get();
    expect(job).toMatchObject({ state: "running", lockedBy: "victim" });

    // Another runner takes the job once the lease has expired, calls the lender again with the
    // same key, and records the first disbursement's answer.
    const clock = manualClock();
    const runner = testRunner(
      database,
      new JobRegistry()
        .handle(requestDisbursementJob, handleRequestDisbursement)
        .handle(applyLenderEventJob, handleApplyLenderEvent),
      { clock: clock.now, sweepIntervalMs: 50 },
    ).start();
    try {
      clock.advance(10 * 60_000);
      await waitFor(async () => (await loanOf(signed.applicationId))!.disbursementId, {
        what: "the retried disbursement recorded",
      });
      expect(disbursementCalls().map((r) => r.idempotencyKey)).toEqual([
        `${loan.id}:disburse`,
        `${loan.id}:disburse`,
      ]);
      expect(disbursementCalls().map((r) => r.replayed)).toEqual([false, true]);
      expect(lenderLoan().disbursements).toHaveLength(1);
      expect((await loanOf(signed.applicationId))!.disbursementId).toBe(
        lenderLoan().disbursements[0]!.id,
      );

      // The lender pays; its one loan.funded funds the loan and posts the ledger once.
      lender.setWebhookUrl(bed.webhookUrl);
      await lender.fund(loan.lenderLoanId!);
      await waitFor(
        async () =>
          (
            await database.db
              .select({ status: applications.status })
              .from(applications)
              .where(eq(applications.id, signed.applicationId))
              .get()
          )?.status === "funded",
        { what: "funded" },
      );
    } finally {
      await runner.stop({ graceMs: 1000 });
    }
    expect(lenderLoan().disbursements).toHaveLength(1);
    expect(lender.events.filter((e) => e.event === "loan.funded")).toHaveLength(1);
    expect((await loanOf(signed.applicationId))!).toMatchObject({
      status: "funded",
      releasedCents: 750_000,
      fundedAmountCents: 727_500,
    });
    expect(await merchantBalances(database, merchant.id)).toMatchObject({
      disbursedCents: 727_500,
    });
    const recorded = await database.db
      .select()
      .from(lenderTransactions)
      .where(
        and(
          eq(lenderTransactions.loanId, loan.id),
          eq(lenderTransactions.operation, "request_disbursement"),
          eq(lenderTransactions.outcome, "ok"),
        ),
      );
    expect(recorded).toHaveLength(1);
  }, 60_000);
});
