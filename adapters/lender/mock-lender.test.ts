import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHttpLender } from "./http-lender";
import {
  startEmbeddedMockLender,
  startMockLender,
  stopEmbeddedMockLender,
  type MockLender,
} from "./mock-lender";
import { loanInput, startWebhookReceiver, waitFor, type WebhookReceiver } from "./testing";
import { type LenderAdapter } from "./types";

const API_KEY = "sk_test_mock_lender";
const WEBHOOK_SECRET = "whsec_mock_lender";
const WEBHOOK_PATH = "/api/v1/webhooks/lender/mock";

const adapterFor = (mock: MockLender): LenderAdapter =>
  createHttpLender({
    name: "mock",
    baseUrl: mock.url,
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
  });

async function createAndDisburse(lender: LenderAdapter, n = 1) {
  const { lenderLoanId } = await lender.createLoan(
    loanInput({ idempotencyKey: `loan_${n}:create`, loanId: `loan_${n}` }),
  );
  await lender.requestDisbursement({
    idempotencyKey: `loan_${n}:disburse`,
    lenderLoanId,
    amountCents: 727_500,
    merchantAccountLast4: "6789",
    merchantReference: `loan_${n}`,
  });
  return lenderLoanId;
}

describe("mock lender webhooks", () => {
  let receiver: WebhookReceiver;
  let mock: MockLender | undefined;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
    await receiver.close();
  });

  const start = async (overrides: Parameters<typeof startMockLender>[0] | object = {}) => {
    mock = await startMockLender({
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      webhookUrl: receiver.url + WEBHOOK_PATH,
      fundingDelayMs: 50,
      webhookRetryDelayMs: 5,
      ...overrides,
    });
    return mock;
  };

  it("retries a webhook our server refuses, with the same event id, until it is accepted", async () => {
    const lender = adapterFor(await start());
    receiver.answerNext(500, 503);
    await createAndDisburse(lender);
    await waitFor(() => mock!.events[0]?.state === "delivered");

    expect(receiver.received.map((r) => r.status)).toEqual([500, 503, 200]);
    const ids = receiver.received.map((r) => lender.handleWebhook(r.rawBody, r.signature).id);
    expect(new Set(ids).size).toBe(1);
    expect(mock!.events[0]).toMatchObject({ event: "loan.funded", attempts: 3 });
    expect(mock!.webhookAttempts.map((a) => a.status)).toEqual([500, 503, 200]);
  });

  it("gives up after webhookMaxAttempts when our server is unreachable (bounded)", async () => {
    const gone = await startWebhookReceiver();
    const goneUrl = gone.url + WEBHOOK_PATH;
    await gone.close();
    const lender = adapterFor(await start({ webhookUrl: goneUrl, webhookMaxAttempts: 3 }));
    await createAndDisburse(lender);
    await waitFor(() => mock!.events[0]?.state === "failed");
    expect(mock!.events[0]!.attempts).toBe(3);
    expect(mock!.webhookAttempts).toHaveLength(3);
    expect(mock!.webhookAttempts.every((a) => a.status === null && a.error)).toBe(true);
    // The loan is funded whatever happened to the webhook: getLoanStatus is the fallback.
    expect((await lender.getLoanStatus(mock!.events[0]!.loanId)).status).toBe("funded");
  });

  it("holds events until a webhook URL is set, then sends them", async () => {
    const lender = adapterFor(await start({ webhookUrl: null }));
    const lenderLoanId = await createAndDisburse(lender);
    await waitFor(() => mock!.loans.get(lenderLoanId)?.status === "funded");
    expect(mock!.events[0]!.state).toBe("pending");
    expect(receiver.received).toHaveLength(0);

    mock!.setWebhookUrl(receiver.url + WEBHOOK_PATH);
    const webhook = await waitFor(() => receiver.received[0]);
    expect(lender.handleWebhook(webhook.rawBody, webhook.signature).lenderLoanId).toBe(
      lenderLoanId,
    );
  });

  it("fund() funds now; funding again re-sends the same event", async () => {
    const lender = adapterFor(await start({ fundingDelayMs: 60_000 }));
    const lenderLoanId = await createAndDisburse(lender);
    const event = await mock!.fund(lenderLoanId);
    expect(event).toMatchObject({ event: "loan.funded", state: "delivered" });
    expect((await lender.getLoanStatus(lenderLoanId)).fundedAmountCents).toBe(727_500);

    const again = await mock!.fund(lenderLoanId);
    expect(again.id).toBe(event.id);
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received.map((r) =>
      lender.handleWebhook(r.rawBody, r.signature),
    );
    expect(second!.id).toBe(first!.id);
  });

  it("cancel() and failDisbursement() send loan.canceled and disbursement.failed", async () => {
    const lender = adapterFor(await start({ fundingDelayMs: 60_000 }));
    const failing = await createAndDisburse(lender, 1);
    const failed = await mock!.failDisbursement(failing, "account_closed");
    expect(failed.state).toBe("delivered");
    expect((await lender.getLoanStatus(failing)).status).toBe("approved");
    const failedEvent = lender.handleWebhook(
      receiver.received[0]!.rawBody,
      receiver.received[0]!.signature,
    );
    expect(failedEvent).toMatchObject({
      event: "disbursement.failed",
      lenderLoanId: failing,
      fundedAmountCents: null,
      raw: { failure_reason: "account_closed" },
    });
    // The failed disbursement's key is spent; a new key may disburse again.
    await expect(
      lender.requestDisbursement({
        idempotencyKey: "loan_1:disburse",
        lenderLoanId: failing,
        amountCents: 727_500,
        merchantAccountLast4: "6789",
        merchantReference: "loan_1",
      }),
    ).rejects.toMatchObject({ code: "DISBURSEMENT_FAILED", permanent: true });
    const retried = await lender.requestDisbursement({
      idempotencyKey: "loan_1:disburse:2",
      lenderLoanId: failing,
      amountCents: 727_500,
      merchantAccountLast4: "6789",
      merchantReference: "loan_1",
    });
    expect(retried.status).toBe("pending");

    const canceling = await createAndDisburse(lender, 2);
    await mock!.cancel(canceling);
    const canceled = lender.handleWebhook(
      receiver.received[1]!.rawBody,
      receiver.received[1]!.signature,
    );
    expect(canceled).toMatchObject({ event: "loan.canceled", lenderLoanId: canceling });
    expect((await lender.getLoanStatus(canceling)).status).toBe("canceled");
    await expect(mock!.fund(canceling)).rejects.toThrow(/canceled/);
  });

  it("with a state file, a restart keeps loans, idempotency keys and settles pending funding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mock-lender-"));
    try {
      const stateFile = join(dir, "lender.json");
      const first = await start({ stateFile, fundingDelayMs: 60_000 });
      const lender = adapterFor(first);
      const lenderLoanId = await createAndDisburse(lender);
      await first.close();

      const second = await start({ stateFile, fundingDelayMs: 50 });
      const again = adapterFor(second);
      expect(
        (await again.createLoan(loanInput({ idempotencyKey: "loan_1:create" }))).lenderLoanId,
      ).toBe(lenderLoanId);
      const webhook = await waitFor(() => receiver.received[0]);
      expect(again.handleWebhook(webhook.rawBody, webhook.signature)).toMatchObject({
        event: "loan.funded",
        lenderLoanId,
      });
      expect((await again.getLoanStatus(lenderLoanId)).status).toBe("funded");
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("embedded mock lender", () => {
  afterEach(async () => {
    await stopEmbeddedMockLender();
  });

  it("starts once per process on loopback and updates the webhook URL on a second call", async () => {
    const options = { apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET, fundingDelayMs: 50 };
    const [a, b] = await Promise.all([
      startEmbeddedMockLender(options),
      startEmbeddedMockLender(options),
    ]);
    expect(a).toBe(b);
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const receiver = await startWebhookReceiver();
    try {
      const c = await startEmbeddedMockLender({
        ...options,
        webhookUrl: receiver.url + WEBHOOK_PATH,
      });
      expect(c).toBe(a);
      const lender = adapterFor(c);
      await createAndDisburse(lender);
      const webhook = await waitFor(() => receiver.received[0]);
      expect(lender.handleWebhook(webhook.rawBody, webhook.signature).event).toBe("loan.funded");
    } finally {
      await receiver.close();
    }

    await expect(startEmbeddedMockLender({ ...options, apiKey: "other" })).rejects.toThrow(
      /other credentials/,
    );
    await stopEmbeddedMockLender();
    const fresh = await startEmbeddedMockLender(options);
    expect(fresh).not.toBe(a);
  });
});

describe("standalone mock lender", () => {
  it("prints its URL and serves the API", async () => {
    const child = spawn(
      "node_modules/.bin/tsx",
      ["adapters/lender/mock-lender.ts", "--port", "0", "--quiet"],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      const url = await waitFor(() => /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1], 20_000);
      const response = await fetch(`${url}/v1/loans/LOAN-none00`, {
        headers: { Authorization: "Bearer mock_lender_sandbox_api_key" },
      });
      expect(response.status).toBe(404);
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    }
  });
});
