import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { createHttpLender, type HttpLenderConfig } from "./http-lender";
import {
  LenderConfigError,
  createLenderAdapter,
  createLenderRegistry,
  parseSignatureHeader,
  signLenderWebhook,
} from "./index";
import { startMockLender, type MockLender } from "./mock-lender";
import { loanInput, startWebhookReceiver, waitFor, type WebhookReceiver } from "./testing";
import { type LenderAdapter } from "./types";

const API_KEY = "sk_test_lender_0123456789abcdef";
const WEBHOOK_SECRET = "whsec_test_lender_secret";
const WEBHOOK_PATH = "/api/v1/webhooks/lender/mock";

/** The PartnerError a promise rejects with (fails the test if it resolves or throws something else). */
async function partnerError(promise: Promise<unknown>): Promise<PartnerError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  return error as PartnerError;
}

function thrownPartnerError(work: () => unknown): PartnerError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(PartnerError);
    return error as PartnerError;
  }
  throw new Error("expected a throw");
}

describe("live lender adapter against the mock lender", () => {
  let mock: MockLender;
  let receiver: WebhookReceiver;
  const live = (overrides: Partial<HttpLenderConfig> = {}): LenderAdapter =>
    createHttpLender({
      name: "mock",
      baseUrl: mock.url,
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      ...overrides,
    });

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    mock = await startMockLender({
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      webhookUrl: receiver.url + WEBHOOK_PATH,
      fundingDelayMs: 50,
      webhookRetryDelayMs: 10,
    });
  });
  afterEach(async () => {
    await mock.close();
    await receiver.close();
  });

  it("creates a loan; a retry with the same key and body is the same loan", async () => {
    const lender = live();
    const input = loanInput();
    const first = await lender.createLoan(input);
    expect(first.lenderLoanId).toMatch(/^LOAN-[a-z0-9]{6}$/);
    expect(first.status).toBe("approved");

    // Same key, same body (keys in another order on the wire would not matter either).
    const again = await lender.createLoan(loanInput());
    expect(again).toEqual(first);
    expect(mock.loans.size).toBe(1);
    expect(mock.requests.map((r) => [r.status, r.replayed])).toEqual([
      [201, false],
      [201, true],
    ]);
    expect(mock.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/loans",
      idempotencyKey: "loan_1:create",
      authenticated: true,
    });
    expect(mock.requests[0]!.body).toEqual({
      external_loan_id: "loan_1",
      external_application_id: "app_1",
      merchant_id: "mer_1",
      principal_cents: 750_000,
      amount_financed_cents: 750_000,
      term_months: 36,
      apr: "9.99",
      note_rate: "9.99",
      monthly_payment_cents: 24_197,
      first_payment_date: "2026-12-30",
      borrower: { first_name: "John", last_name: "Doe", state: "TX" },
    });
    expect(mock.loans.get(first.lenderLoanId)).toMatchObject({
      status: "approved",
      external_loan_id: "loan_1",
      funded_amount_cents: null,
    });

    // Another key is another loan.
    const other = await lender.createLoan(loanInput({ idempotencyKey: "loan_2:create" }));
    expect(other.lenderLoanId).not.toBe(first.lenderLoanId);
    expect(mock.loans.size).toBe(2);
  });

  it("the same key with another body: 409 idempotency_key_reused, permanent, no second loan", async () => {
    const lender = live();
    await lender.createLoan(loanInput());
    const error = await partnerError(lender.createLoan(loanInput({ principalCents: 800_000 })));
    expect(error).toMatchObject({
      partner: "lender:mock",
      status: 409,
      code: "idempotency_key_reused",
      permanent: true,
    });
    expect(mock.loans.size).toBe(1);

    // A key is scoped to the whole API, not one endpoint: reusing the create key for a
    // disbursement is a reuse too.
    const [loan] = [...mock.loans.values()];
    const reused = await partnerError(
      lender.requestDisbursement({
        idempotencyKey: "loan_1:create",
        lenderLoanId: loan!.id,
        amountCents: 727_500,
        merchantAccountLast4: "6789",
        merchantReference: "loan_1",
      }),
    );
    expect(reused).toMatchObject({ status: 409, code: "idempotency_key_reused", permanent: true });
  });

  it("a timed-out create is ambiguous: the retry gets 409 in progress (transient), then the same loan", async () => {
    mock.setResponseDelayMs(1_000);
    const impatient = live({ timeoutMs: 50 });
    const timeout = await partnerError(impatient.createLoan(loanInput()));
    expect(timeout).toMatchObject({ code: "TIMEOUT", permanent: false });
    expect(timeout.status).toBeUndefined();

    // The lender is still working on the first request.
    const busy = await partnerError(live().createLoan(loanInput()));
    expect(busy).toMatchObject({
      status: 409,
      code: "idempotency_key_in_progress",
      permanent: false,
    });

    await waitFor(() => mock.loans.size === 1);
    mock.setResponseDelayMs(0);
    const created = await live().createLoan(loanInput());
    expect(mock.loans.size).toBe(1);
    expect(mock.loans.has(created.lenderLoanId)).toBe(true);
    expect(mock.requests.at(-1)!.replayed).toBe(true);
  });

  it("requests a disbursement idempotently; a second disbursement is refused", async () => {
    const lender = live();
    const { lenderLoanId } = await lender.createLoan(loanInput());
    const disbursement = {
      idempotencyKey: "loan_1:disburse",
      lenderLoanId,
      amountCents: 727_500,
      merchantAccountLast4: "6789",
      merchantReference: "loan_1",
    };
    mock.setFundingDelayMs(60_000); // stays pending for this test
    const first = await lender.requestDisbursement(disbursement);
    expect(first.disbursementId).toMatch(/^DISB-[a-z0-9]{6}$/);
    expect(first.status).toBe("pending");
    expect(await lender.requestDisbursement(disbursement)).toEqual(first);

    const loan = mock.loans.get(lenderLoanId)!;
    expect(loan.status).toBe("disbursement_pending");
    expect(loan.disbursements).toHaveLength(1);
    expect(loan.disbursements[0]).toMatchObject({
      amount_cents: 727_500,
      merchant_account_last4: "6789",
      merchant_reference: "loan_1",
      status: "pending",
    });
    expect((await lender.getLoanStatus(lenderLoanId)).status).toBe("disbursement_pending");

    const second = await partnerError(
      lender.requestDisbursement({ ...disbursement, idempotencyKey: "loan_1:disburse:again" }),
    );
    expect(second).toMatchObject({ status: 409, code: "disbursement_exists", permanent: true });

    const tooMuch = await partnerError(
      lender.requestDisbursement({
        ...disbursement,
        idempotencyKey: "loan_1:disburse:x",
        lenderLoanId: (await lender.createLoan(loanInput({ idempotencyKey: "loan_3:create" })))
          .lenderLoanId,
        amountCents: 750_001,
      }),
    );
    expect(tooMuch).toMatchObject({ status: 422, code: "amount_exceeds_loan", permanent: true });
  });

  it("funds after the delay: a signed loan.funded webhook that handleWebhook accepts", async () => {
    const lender = live();
    const { lenderLoanId } = await lender.createLoan(loanInput());
    await lender.requestDisbursement({
      idempotencyKey: "loan_1:disburse",
      lenderLoanId,
      amountCents: 727_500,
      merchantAccountLast4: null,
      merchantReference: "loan_1",
    });

    const webhook = await waitFor(() => receiver.received[0]);
    expect(webhook.path).toBe(WEBHOOK_PATH);
    expect(webhook.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const event = lender.handleWebhook(webhook.rawBody, webhook.signature);
    expect(event).toMatchObject({
      event: "loan.funded",
      lenderLoanId,
      fundedAmountCents: 727_500,
    });
    expect(event.id).toMatch(/^evt_[0-9a-f]{24}$/);
    expect(event.occurredAt).toBeInstanceOf(Date);
    expect(Object.keys(event.raw).sort()).toEqual(
      ["event", "funded_amount_cents", "id", "loan_id", "occurred_at"].sort(),
    );
    expect(JSON.parse(webhook.rawBody)).toEqual(event.raw);

    const status = await lender.getLoanStatus(lenderLoanId);
    expect(status).toMatchObject({ status: "funded", fundedAmountCents: 727_500 });
    expect(status.fundedAt).toBeInstanceOf(Date);
    expect(status.fundedAt!.getTime()).toBe(event.occurredAt.getTime());
    expect(mock.loans.get(lenderLoanId)!.disbursements[0]!.status).toBe("completed");
    await waitFor(() => mock.events[0]?.state === "delivered");
    expect(receiver.received).toHaveLength(1);

    // A replayed disbursement request now reports the completed payout.
    const replay = await lender.requestDisbursement({
      idempotencyKey: "loan_1:disburse",
      lenderLoanId,
      amountCents: 727_500,
      merchantAccountLast4: null,
      merchantReference: "loan_1",
    });
    expect(replay.status).toBe("completed");
  });

  it("rejects unsigned, malformed, forged, tampered and stale webhooks as permanent", async () => {
    const lender = live();
    const body = JSON.stringify({
      id: "evt_1",
      event: "loan.funded",
      loan_id: "LOAN-abc123",
      funded_amount_cents: 750_000,
      occurred_at: "2026-11-30T15:00:00Z",
    });
    const now = new Date("2026-11-30T15:00:10Z");
    const t = Math.floor(now.getTime() / 1000);
    const good = signLenderWebhook(WEBHOOK_SECRET, body, t);
    expect(lender.handleWebhook(body, good, now)).toMatchObject({
      id: "evt_1",
      lenderLoanId: "LOAN-abc123",
      fundedAmountCents: 750_000,
      occurredAt: new Date("2026-11-30T15:00:00Z"),
    });

    const cases: [string, string | null, string, Date][] = [
      ["unsigned", null, "SIGNATURE_MISSING", now],
      ["empty", "", "SIGNATURE_MISSING", now],
      ["malformed", "v1=abc", "SIGNATURE_MALFORMED", now],
      ["forged", signLenderWebhook("someone-else", body, t), "SIGNATURE_INVALID", now],
      ["not hex", `t=${t},v1=${"z".repeat(64)}`, "SIGNATURE_INVALID", now],
      ["short", `t=${t},v1=abcd`, "SIGNATURE_INVALID", now],
      ["other t", good.replace(`t=${t}`, `t=${t + 1}`), "SIGNATURE_INVALID", now],
      ["stale", good, "SIGNATURE_STALE", new Date(now.getTime() + 301_000)],
      ["future", good, "SIGNATURE_STALE", new Date(now.getTime() - 301_000)],
    ];
    for (const [label, header, code, at] of cases) {
      const error = thrownPartnerError(() => lender.handleWebhook(body, header, at));
      expect({ label, code: error.code, permanent: error.permanent }).toEqual({
        label,
        code,
        permanent: true,
      });
      expect(error.partner).toBe("lender:mock");
    }
    const tampered = thrownPartnerError(() =>
      lender.handleWebhook(body.replace("750000", "7500000"), good, now),
    );
    expect(tampered).toMatchObject({ code: "SIGNATURE_INVALID", permanent: true });

    // Exactly 300 s off is still accepted.
    expect(lender.handleWebhook(body, good, new Date((t + 300) * 1000)).id).toBe("evt_1");

    // Signed but not an event.
    const notEvent = JSON.stringify({ hello: "world" });
    const error = thrownPartnerError(() =>
      lender.handleWebhook(notEvent, signLenderWebhook(WEBHOOK_SECRET, notEvent, t), now),
    );
    expect(error).toMatchObject({ code: "INVALID_EVENT", permanent: true });
  });

  it("accepts either secret during a rotation, and a header with two v1 values", () => {
    const body = JSON.stringify({
      id: "evt_2",
      event: "loan.canceled",
      loan_id: "LOAN-abc123",
      funded_amount_cents: null,
      occurred_at: "2026-11-30T15:00:00Z",
    });
    const t = 1_800_000_000;
    const now = new Date(t * 1000);
    const rotating = live({ webhookSecret: ["new-secret", WEBHOOK_SECRET] });
    const oldSigned = signLenderWebhook(WEBHOOK_SECRET, body, t);
    const newSigned = signLenderWebhook("new-secret", body, t);
    expect(rotating.handleWebhook(body, oldSigned, now).event).toBe("loan.canceled");
    expect(rotating.handleWebhook(body, newSigned, now).fundedAmountCents).toBeNull();

    const both = `${oldSigned},v1=${parseSignatureHeader(newSigned)!.v1[0]}`;
    expect(live({ webhookSecret: "new-secret" }).handleWebhook(body, both, now).id).toBe("evt_2");
  });

  it("503 three times then success: three transient errors, then the loan (one attempt per call)", async () => {
    const lender = live();
    mock.failNext(3, 503);
    for (let n = 1; n <= 3; n++) {
      const error = await partnerError(lender.createLoan(loanInput()));
      expect(error).toMatchObject({
        partner: "lender:mock",
        status: 503,
        code: "injected_failure",
        permanent: false,
      });
      expect(mock.requests).toHaveLength(n);
    }
    const created = await lender.createLoan(loanInput());
    expect(created.status).toBe("approved");
    expect(mock.requests.map((r) => r.status)).toEqual([503, 503, 503, 201]);
    expect(mock.loans.size).toBe(1);
  });

  it("4xx is permanent, except 408, 425 and 429", async () => {
    const lender = live();
    const wrongKey = await partnerError(
      live({ apiKey: "sk_test_not_the_key" }).createLoan(loanInput()),
    );
    expect(wrongKey).toMatchObject({ status: 401, code: "unauthorized", permanent: true });
    expect(wrongKey.message).not.toContain("sk_test_not_the_key");
    expect(mock.requests[0]!.authenticated).toBe(false);

    const invalid = await partnerError(
      lender.createLoan(loanInput({ termMonths: 0, firstPaymentDate: "2026-02-30" })),
    );
    expect(invalid).toMatchObject({ status: 422, code: "invalid_request", permanent: true });
    expect(invalid.message).toContain("term_months");
    expect(invalid.message).toContain("first_payment_date");
    // A failed request does not spend the key.
    expect((await lender.createLoan(loanInput())).status).toBe("approved");

    const unknown = await partnerError(lender.getLoanStatus("LOAN-nope00"));
    expect(unknown).toMatchObject({ status: 404, code: "not_found", permanent: true });

    for (const status of [408, 425, 429]) {
      mock.failNext(1, status);
      expect(await partnerError(lender.getLoanStatus("LOAN-nope00"))).toMatchObject({
        status,
        permanent: false,
      });
    }
    for (const status of [400, 403, 410]) {
      mock.failNext(1, status);
      expect(await partnerError(lender.getLoanStatus("LOAN-nope00"))).toMatchObject({
        status,
        permanent: true,
      });
    }
    mock.failNext(1, 500);
    expect(await partnerError(lender.getLoanStatus("LOAN-nope00"))).toMatchObject({
      status: 500,
      permanent: false,
    });

    const noKey = await partnerError(lender.createLoan(loanInput({ idempotencyKey: "" })));
    expect(noKey).toMatchObject({ code: "INVALID_REQUEST", permanent: true });
  });

  it("the mock itself insists on an Idempotency-Key and the Bearer key", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${mock.url}/v1/loans`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: "{}",
      });
    const noKey = await post({ Authorization: `Bearer ${API_KEY}` });
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toMatchObject({ error: { code: "idempotency_key_required" } });
    const noAuth = await post({ "Idempotency-Key": "k" });
    expect(noAuth.status).toBe(401);
    const notJson = await fetch(`${mock.url}/v1/loans`, {
      method: "POST",
      headers: { Authorization: `Bearer ${API_KEY}`, "Idempotency-Key": "k" },
      body: "[1]",
    });
    expect(notJson.status).toBe(400);
    expect((await fetch(`${mock.url}/health`)).status).toBe(200);
  });

  it("getLoanStatus follows the loan from approved to funded", async () => {
    const lender = live();
    const { lenderLoanId } = await lender.createLoan(loanInput());
    expect(await lender.getLoanStatus(lenderLoanId)).toEqual({
      status: "approved",
      fundedAmountCents: null,
      fundedAt: null,
    });
    await mock.fund(lenderLoanId);
    const funded = await lender.getLoanStatus(lenderLoanId);
    expect(funded).toMatchObject({ status: "funded", fundedAmountCents: 750_000 });
    expect(funded.fundedAt).toBeInstanceOf(Date);
    expect(mock.requests.at(-1)).toMatchObject({
      method: "GET",
      path: `/v1/loans/${lenderLoanId}`,
    });
  });

  it("a rejected borrower (magic last name) gets status rejected and no disbursement", async () => {
    const lender = live();
    const created = await lender.createLoan(
      loanInput({ borrower: { firstName: "Ann", lastName: "Rejected", state: null } }),
    );
    expect(created.status).toBe("rejected");
    expect(created.rejection).toEqual({
      code: "credit_policy",
      message: expect.stringMatching(/credit policy/),
    });
    const error = await partnerError(
      lender.requestDisbursement({
        idempotencyKey: "d",
        lenderLoanId: created.lenderLoanId,
        amountCents: 100,
        merchantAccountLast4: null,
        merchantReference: "loan_1",
      }),
    );
    expect(error).toMatchObject({ status: 422, code: "loan_not_disbursable", permanent: true });
  });

  it("the sandbox's other refusals carry their own reason codes; approvals carry none", async () => {
    const lender = live();
    const refused = await lender.createLoan(
      loanInput({
        idempotencyKey: "refusal-unlicensed",
        borrower: { firstName: "Ann", lastName: "unlicensed", state: "TX" },
      }),
    );
    expect(refused).toMatchObject({
      status: "rejected",
      rejection: { code: "state_not_licensed" },
    });
    const approved = await lender.createLoan(loanInput({ idempotencyKey: "refusal-none" }));
    expect(approved).toMatchObject({ status: "approved", rejection: null });
  });

  it("opens its circuit after repeated transient failures, fails fast, and closes after a good trial call", async () => {
    const lender = live({ breaker: { consecutiveFailures: 3, halfOpenAfterMs: 100 } });
    mock.failNext(3, 503);
    for (let i = 0; i < 3; i++) {
      expect(await partnerError(lender.getLoanStatus("LOAN-abc123"))).toMatchObject({
        status: 503,
        permanent: false,
      });
    }
    const before = mock.requests.length;
    const open = await partnerError(lender.createLoan(loanInput()));
    expect(open).toMatchObject({ code: "CIRCUIT_OPEN", permanent: false });
    expect(mock.requests.length).toBe(before); // the lender was not called
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await lender.createLoan(loanInput())).status).toBe("approved");
    expect((await lender.createLoan(loanInput())).status).toBe("approved");
  });

  it("a permanent answer does not open the circuit", async () => {
    const lender = live({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    mock.failNext(3, 400, "invalid_request");
    for (let i = 0; i < 3; i++) {
      expect((await partnerError(lender.getLoanStatus("LOAN-abc123"))).permanent).toBe(true);
    }
    expect((await lender.createLoan(loanInput())).status).toBe("approved");
  });

  it("network errors and timeouts are transient and never carry the API key", async () => {
    const closed = await startMockLender({ apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET });
    const url = closed.url;
    await closed.close();
    const error = await partnerError(live({ baseUrl: url }).createLoan(loanInput()));
    expect(error).toMatchObject({ code: "NETWORK", permanent: false });
    expect(error.status).toBeUndefined();
    const serialized = JSON.stringify({
      ...error,
      message: error.message,
      cause: String(error.cause),
    });
    expect(serialized).not.toContain(API_KEY);

    mock.setResponseDelayMs(1_000);
    const timeout = await partnerError(live({ timeoutMs: 30 }).getLoanStatus("LOAN-abc123"));
    expect(timeout).toMatchObject({ code: "TIMEOUT", permanent: false });
    expect(timeout.message).not.toContain(API_KEY);
  });

  it("redacts the API key if a lender echoes it back", async () => {
    const echo: typeof fetch = async () =>
      new Response(
        JSON.stringify({ error: { code: "bad", message: `key ${API_KEY} is not allowed` } }),
        { status: 403 },
      );
    const error = await partnerError(live({ fetch: echo }).getLoanStatus("LOAN-abc123"));
    expect(error).toMatchObject({ status: 403, permanent: true });
    expect(error.message).toContain("[redacted]");
    expect(error.message).not.toContain(API_KEY);
  });

  it("an unreadable 2xx is a transient INVALID_RESPONSE", async () => {
    const html: typeof fetch = async () => new Response("<html>ok</html>", { status: 200 });
    expect(await partnerError(live({ fetch: html }).getLoanStatus("LOAN-x"))).toMatchObject({
      code: "INVALID_RESPONSE",
      permanent: false,
    });
    const odd: typeof fetch = async () =>
      new Response(JSON.stringify({ id: "LOAN-x", status: "teleported" }), { status: 200 });
    expect(await partnerError(live({ fetch: odd }).getLoanStatus("LOAN-x"))).toMatchObject({
      code: "INVALID_RESPONSE",
      permanent: false,
    });
  });

  it("honours the AbortSignal: aborted calls are transient and an aborted-before call sends nothing", async () => {
    const lender = live();
    mock.setResponseDelayMs(1_000);
    const controller = new AbortController();
    const pending = lender.getLoanStatus("LOAN-abc123", controller.signal);
    setTimeout(() => controller.abort(new Error("shutting down")), 20);
    expect(await partnerError(pending)).toMatchObject({ code: "ABORTED", permanent: false });

    const before = mock.requests.length;
    expect(await partnerError(lender.createLoan(loanInput(), AbortSignal.abort()))).toMatchObject({
      code: "ABORTED",
      permanent: false,
    });
    expect(mock.requests.length).toBe(before);
  });

  it("keeps the API key off the adapter object", () => {
    const lender = live();
    expect(JSON.stringify(lender)).not.toContain(API_KEY);
    expect(Object.values(lender).some((v) => v === API_KEY)).toBe(false);
  });
});

describe("X-Lender-Signature helpers", () => {
  it("signs t.body with HMAC-SHA256 in hex", () => {
    const body = '{"id":"evt_1"}';
    const expected = createHmac("sha256", "secret").update(`1700000000.${body}`).digest("hex");
    expect(signLenderWebhook("secret", body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
    expect(() => signLenderWebhook("secret", body, 1.5)).toThrow(RangeError);
  });

  it("parses the header, ignoring unknown schemes and spaces", () => {
    expect(parseSignatureHeader("t=1700000000,v1=ab")).toEqual({ t: 1_700_000_000, v1: ["ab"] });
    expect(parseSignatureHeader(" t=1 , v0=zz , v1=aa , v1=bb ")).toEqual({
      t: 1,
      v1: ["aa", "bb"],
    });
    expect(parseSignatureHeader("v1=aa")).toBeNull();
    expect(parseSignatureHeader("t=1")).toBeNull();
    expect(parseSignatureHeader("t=1,t=2,v1=aa")).toBeNull();
    expect(parseSignatureHeader("t=-1,v1=aa")).toBeNull();
    expect(parseSignatureHeader("t=1.5,v1=aa")).toBeNull();
    expect(parseSignatureHeader("garbage")).toBeNull();
  });
});

describe("createLenderAdapter / createLenderRegistry", () => {
  const config = {
    name: "mock",
    baseUrl: "http://127.0.0.1:4010",
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
  };

  it("builds the HTTP adapter for a configured lender", () => {
    expect(createLenderAdapter(config).name).toBe("mock");
  });

  it("refuses an incomplete or invalid configuration without echoing the key", () => {
    expect(() => createLenderAdapter({ ...config, apiKey: "" })).toThrow(LenderConfigError);
    expect(() => createLenderAdapter({ ...config, webhookSecret: [] })).toThrow(/webhookSecret/);
    expect(() => createLenderAdapter({ ...config, baseUrl: "not a url" })).toThrow(/baseUrl/);
    expect(() => createLenderAdapter({ ...config, baseUrl: "ftp://x" })).toThrow(/http/);
    expect(() => createLenderAdapter({ ...config, name: "Mock Lender" })).toThrow(/name/);
    try {
      createLenderAdapter({ ...config, baseUrl: "" });
    } catch (error) {
      expect(String(error)).not.toContain(API_KEY);
    }
  });

  it("a registry keyed by name: merchants.lender picks the adapter", () => {
    const registry = createLenderRegistry([
      config,
      { ...config, name: "acme-bank", baseUrl: "https://api.acme-bank.example" },
    ]);
    expect(registry.names()).toEqual(["mock", "acme-bank"]);
    expect(registry.get("acme-bank").name).toBe("acme-bank");
    expect(registry.has("mock")).toBe(true);
    expect(() => registry.get("other")).toThrow(/No lender named "other"/);
    expect(() => createLenderRegistry([config, config])).toThrow(/twice/);
  });
});
