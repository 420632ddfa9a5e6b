/**
 * kill -9 during the daily reconciliation (ADR 056): a job-runner process fetches the lender's
 * settlement report and is killed before it has written anything. The job is orphaned; once its
 * lease expires another runner runs it again. Exactly one run and one item per difference: the
 * report is read again, and the items and the run are one write transaction.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { startMockLender } from "~/adapters/lender/index";
import { loanInput } from "~/adapters/lender/testing";

const apiKey = "mock-lender-reconcile-crash-key";
const webhookSecret = "mock-lender-reconcile-crash-secret";

let victim: ChildProcess | null = null;
let killedAfter: string | null = null;
const lender = await startMockLender({
  apiKey,
  webhookSecret,
  webhookUrl: null,
  fundingDelayMs: 60_000,
  // Logged once the report is ready, just before it is sent: the moment to kill the reader.
  log: (line) => {
    if (victim && !killedAfter && /^GET \/v1\/settlements → 200/.test(line)) {
      killedAfter = line;
      victim.kill("SIGKILL");
    }
  },
});
process.env.LENDER_MOCK_URL = lender.url;
process.env.LENDER_MOCK_API_KEY = apiKey;
process.env.LENDER_MOCK_WEBHOOK_SECRET = webhookSecret;

const { appDatabase } = await import("~/scripts/testing/app-harness");
const { getLenders } = await import("./lenders.server");
const { requestReconciliation, listReconciliationItems } = await import("./reconciliation.server");
const { appendLedgerTransaction } = await import("./ledger.server");
const { createAppJobRegistry } = await import("~/jobs/handlers/index");
const { testRunner, manualClock, waitFor } = await import("~/jobs/testing/helpers");

import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { outbox, reconciliationItems, reconciliationRuns } from "~/db/schema/index";
import { disbursementTransaction } from "./ledger";

const database = await appDatabase();

afterAll(async () => {
  victim?.kill("SIGKILL");
  await lender.close();
});

function startVictim(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/testing/reconcile-worker.ts", "victim"],
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

describe("kill -9 during the daily reconciliation", () => {
  it("the run again stores each difference once, and one run", async () => {
    // The lender funded a loan our ledger never heard of; the ledger has one the lender lacks.
    const adapter = (await getLenders()).get("mock");
    const booked = await adapter.createLoan(
      loanInput({ idempotencyKey: "loan_lost:create", loanId: "loan_lost" }),
    );
    await adapter.requestDisbursement({
      idempotencyKey: "loan_lost:disburse",
      lenderLoanId: booked.lenderLoanId,
      amountCents: 727_500,
      merchantAccountLast4: null,
      merchantReference: "loan_lost",
    });
    await lender.fund(booked.lenderLoanId);
    const date = lender.loans.get(booked.lenderLoanId)!.funded_at!.slice(0, 10);
    await database.write((tx) =>
      appendLedgerTransaction(
        tx,
        disbursementTransaction({
          loanId: "loan_ghost",
          merchantId: "mer_1",
          lender: "mock",
          amountCents: 100_000,
          merchantFeeCents: 3_000,
        }),
        { now: new Date(`${date}T12:00:00Z`), sourceKey: "test:ghost" },
      ),
    );

    victim = await startVictim();
    const exited = new Promise((resolve) => victim!.once("exit", resolve));
    await requestReconciliation(database, {
      date,
      operatorId: "op_test",
      client: { ip: null, userAgent: null },
    });
    await exited;
    expect(killedAfter).not.toBeNull();

    // Killed with the report in hand: nothing written, the job orphaned mid-run.
    expect(await database.db.select().from(reconciliationRuns)).toEqual([]);
    expect(await database.db.select().from(reconciliationItems)).toEqual([]);
    const job = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.kind, "reconcile-settlements"))
      .get();
    expect(job).toMatchObject({ state: "running", lockedBy: "victim" });

    // Another runner takes it once the lease has expired and reconciles the date again.
    const clock = manualClock();
    const runner = testRunner(database, createAppJobRegistry(), {
      clock: clock.now,
      sweepIntervalMs: 50,
    }).start();
    try {
      clock.advance(10 * 60_000);
      await waitFor(
        async () =>
          (await database.db.select().from(outbox).where(eq(outbox.id, job!.id)).get())?.state ===
          "completed",
        { what: "the job run again" },
      );
    } finally {
      await runner.stop({ graceMs: 1000 });
    }
    expect(lender.requests.filter((r) => r.path === "/v1/settlements")).toHaveLength(2);
    const runs = await database.db.select().from(reconciliationRuns);
    expect(runs).toEqual([expect.objectContaining({ settlementDate: date, differences: 2 })]);
    const items = (await listReconciliationItems(database, "open")).items;
    expect(items.map((i) => [i.loanId, i.issue]).sort()).toEqual([
      ["loan_ghost", "missing_at_lender"],
      ["loan_lost", "missing_in_ledger"],
    ]);
  }, 60_000);
});
