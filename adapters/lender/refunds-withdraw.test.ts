/**
 * The lender adapter's refund and withdrawal (ADRs 053, 055) — the live HTTP adapter against the
 * mock lender: each is idempotent by key (a retry replays, nothing happens twice at the lender),
 * the lender's refusals are permanent PartnerErrors with its codes, and a refund is confirmed by
 * a signed `loan.refunded` that names our reference and that handleWebhook accepts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { createHttpLender } from "./http-lender";
import { startMockLender, type MockLender } from "./mock-lender";
import { loanInput, startWebhookReceiver, waitFor, type WebhookReceiver } from "./testing";
import { type LenderAdapter } from "./types";

const API_KEY = "sk_test_lender_refunds";
const WEBHOOK_SECRET = "whsec_test_lender_refunds";

let mock: MockLender;
let receiver: WebhookReceiver;
let live: LenderAdapter;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  mock = await startMockLender({
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: `${receiver.url}/api/v1/webhooks/lender/mock`,
    fundingDelayMs: 60_000,
    webhookRetryDelayMs: 20,
  });
  live = createHttpLender({
    name: "mock",
    baseUrl: mock.url,
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
  });
});

afterEach(async () => {
  await mock.close();
  await receiver.close();
});

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  return error as PartnerError;
}

async function fundedLoan(loanId = "loan_1") {
  const loan = await live.createLoan(loanInput({ idempotencyKey: `${loanId}:create`, loanId }));
  await live.requestDisbursement({
    idempotencyKey: `${loanId}:disburse`,
    lenderLoanId: loan.lenderLoanId,
    amountCents: 727_500,
    merchantAccountLast4: null,
    merchantReference: loanId,
  });
  await mock.fund(loan.lenderLoanId);
  return loan.lenderLoanId;
}

describe("refundLoan", () => {
  it("refunds once per key, reduces the loan, and sends a signed loan.refunded naming our reference", async () => {
    const id = await fundedLoan();
    const input = {
      idempotencyKey: "rf_1:refund",
      lenderLoanId: id,
      amountCents: 375_000,
      reference: "rf_1",
      reason: "Half the job",
    };
    const first = await live.refundLoan(input);
    const again = await live.refundLoan(input);
    expect(again.refundId).toBe(first.refundId);
    expect(mock.loans.get(id)!.refunds).toHaveLength(1);
    expect(mock.loans.get(id)!.refunded_cents).toBe(375_000);

    const delivered = await waitFor(() =>
      receiver.received.find((r) => r.rawBody.includes('"loan.refunded"')),
    );
    const event = live.handleWebhook(delivered.rawBody, delivered.signature);
    expect(event).toMatchObject({ event: "loan.refunded", lenderLoanId: id });
    expect(event.raw).toMatchObject({
      reference: "rf_1",
      amount_cents: 375_000,
      refund_id: first.refundId,
    });
    // One event for one refund, however often the request was made.
    expect(mock.events.filter((e) => e.event === "loan.refunded")).toHaveLength(1);

    // More than is left, and an unfunded loan: permanent refusals with the lender's codes.
    const tooMuch = await rejection(
      live.refundLoan({
        ...input,
        idempotencyKey: "rf_2:refund",
        reference: "rf_2",
        amountCents: 375_001,
      }),
    );
    expect(tooMuch).toMatchObject({ permanent: true, status: 422, code: "refund_exceeds_loan" });
    const unfunded = await live.createLoan(
      loanInput({ idempotencyKey: "loan_2:create", loanId: "loan_2" }),
    );
    const notFunded = await rejection(
      live.refundLoan({
        ...input,
        idempotencyKey: "rf_3:refund",
        lenderLoanId: unfunded.lenderLoanId,
      }),
    );
    expect(notFunded).toMatchObject({ permanent: true, code: "loan_not_refundable" });
  });
});

describe("withdrawLoan", () => {
  it("withdraws an unfunded loan once; again is harmless; a funded loan cannot be withdrawn", async () => {
    const loan = await live.createLoan(loanInput());
    const input = {
      idempotencyKey: "loan_1:withdraw",
      lenderLoanId: loan.lenderLoanId,
      reason: "canceled",
    };
    expect(await live.withdrawLoan(input)).toEqual({ status: "canceled" });
    expect(await live.withdrawLoan(input)).toEqual({ status: "canceled" });
    // Another key on the canceled loan: still canceled, no second event.
    expect(await live.withdrawLoan({ ...input, idempotencyKey: "loan_1:withdraw:2" })).toEqual({
      status: "canceled",
    });
    expect(mock.events.filter((e) => e.event === "loan.canceled")).toHaveLength(1);

    const funded = await fundedLoan("loan_3");
    const refused = await rejection(
      live.withdrawLoan({ idempotencyKey: "loan_3:withdraw", lenderLoanId: funded, reason: "x" }),
    );
    expect(refused).toMatchObject({ permanent: true, code: "loan_not_withdrawable" });
  });
});
