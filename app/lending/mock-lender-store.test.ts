import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpLender } from "~/adapters/lender/http-lender";
import { startMockLender, type MockLender } from "~/adapters/lender/mock-lender";
import {
  loanInput,
  startWebhookReceiver,
  waitFor,
  type WebhookReceiver,
} from "~/adapters/lender/testing";
import { openDatabase, type Database } from "~/db/client";
import { createTestDatabase } from "~/db/testing";
import { databaseMockLenderStore } from "./mock-lender-store.server";

/**
 * Issue 13, item 11 (ADR 025): several processes on one database each run the embedded mock
 * lender. With a state file per process, a loan created through one and disbursed through another
 * was "404 No loan" and stuck pending_funding. Here two lenders on two database handles of one
 * file (as two processes have): twelve loans created through one, disbursed through the other.
 */
const API_KEY = "sk_test_mock_lender";
const WEBHOOK_SECRET = "whsec_mock_lender";

let file: Awaited<ReturnType<typeof createTestDatabase>>;
let second: Database;
let receiver: WebhookReceiver;
let one: MockLender;
let two: MockLender;

beforeAll(async () => {
  file = await createTestDatabase();
  second = await openDatabase({ url: `file:${file.dir}/test.db` });
  receiver = await startWebhookReceiver();
  const start = (database: Database) =>
    startMockLender({
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      webhookUrl: `${receiver.url}/api/v1/webhooks/lender/mock`,
      fundingDelayMs: 20,
      port: 0,
      store: databaseMockLenderStore(database),
    });
  one = await start(file);
  two = await start(second);
});

afterAll(async () => {
  await one?.close();
  await two?.close();
  await receiver?.close();
  second?.close();
  file?.destroy();
});

const adapter = (mock: MockLender) =>
  createHttpLender({
    name: "mock",
    baseUrl: mock.url,
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
  });

describe("the embedded mock lender's state in the database", () => {
  it("disburses through one process the loans created through another, and funds them", async () => {
    const ids: string[] = [];
    for (let n = 0; n < 12; n++) {
      const created = await adapter(one).createLoan(
        loanInput({ idempotencyKey: `loan_${n}:create`, loanId: `loan_${n}` }),
      );
      ids.push(created.lenderLoanId);
    }
    for (const [n, lenderLoanId] of ids.entries()) {
      const disbursed = await adapter(two).requestDisbursement({
        idempotencyKey: `loan_${n}:disburse`,
        lenderLoanId,
        amountCents: 727_500,
        merchantAccountLast4: "6789",
        merchantReference: `loan_${n}`,
      });
      expect(disbursed.status).toBe("pending");
    }
    // Funded by the process that took the disbursement; the other one sees it too.
    for (const lenderLoanId of ids) {
      const status = await waitForStatus(one, lenderLoanId, "funded");
      expect(status.fundedAmountCents).toBe(727_500);
    }
    await waitFor(() => receiver.received.length >= 12);
    // An Idempotency-Key replay through the other process answers the same loan.
    const again = await adapter(two).createLoan(
      loanInput({ idempotencyKey: "loan_0:create", loanId: "loan_0" }),
    );
    expect(again.lenderLoanId).toBe(ids[0]);
  });
});

async function waitForStatus(mock: MockLender, lenderLoanId: string, status: string) {
  for (let i = 0; ; i++) {
    const loan = await adapter(mock).getLoanStatus(lenderLoanId);
    if (loan.status === status || i > 500) return loan;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
