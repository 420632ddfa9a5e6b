import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { createHttpLender } from "./http-lender";
import { startMockLender, type MockLender } from "./mock-lender";
import {
  buildSettlementReport,
  parseSettlementReport,
  SettlementReportError,
  settlementReportBody,
  type SettlementSourceLoan,
} from "./settlement";
import { loanInput } from "./testing";
import { type LenderAdapter } from "./types";

const API_KEY = "sk_test_settlement";
const WEBHOOK_SECRET = "whsec_settlement";

describe("the settlement report over HTTP (mock lender and live adapter)", () => {
  let mock: MockLender;
  let lender: LenderAdapter;
  beforeAll(async () => {
    mock = await startMockLender({ apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET });
    lender = createHttpLender({
      name: "mock",
      baseUrl: mock.url,
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
    });
  });
  afterAll(() => mock.close());

  it("lists the day's completed disbursements under our loan ids, and nothing of another day", async () => {
    const { lenderLoanId } = await lender.createLoan(
      loanInput({ idempotencyKey: "loan_s1:create", loanId: "loan_s1", merchantId: "mer_s" }),
    );
    await lender.requestDisbursement({
      idempotencyKey: "loan_s1:disburse",
      lenderLoanId,
      amountCents: 727_500,
      merchantAccountLast4: null,
      merchantReference: "loan_s1",
    });
    // Not yet completed: not in the report.
    const today = new Date().toISOString().slice(0, 10);
    expect((await lender.settlementReport(today)).lines).toEqual([]);
    await mock.fund(lenderLoanId);
    const report = await lender.settlementReport(new Date().toISOString().slice(0, 10));
    expect(report.lines).toEqual([
      expect.objectContaining({
        type: "disbursement",
        lenderLoanId,
        loanId: "loan_s1",
        merchantId: "mer_s",
        amountCents: 727_500,
        feeCents: 0,
      }),
    ]);
    expect(report.summary).toEqual({
      lineCount: 1,
      disbursedCents: 727_500,
      refundedCents: 0,
      feesCents: 0,
      netCents: 727_500,
    });
    const empty = await lender.settlementReport("2020-01-01");
    expect(empty.lines).toEqual([]);
    expect(empty.summary.lineCount).toBe(0);
  });

  it("refuses a date that is not YYYY-MM-DD before calling, and the mock refuses it too", async () => {
    await expect(lender.settlementReport("2026-02-30")).rejects.toMatchObject({
      permanent: true,
      code: "INVALID_REQUEST",
    });
    const response = await fetch(`${mock.url}/v1/settlements?date=yesterday`, {
      headers: { Authorization: `Bearer ${API_KEY}` },
    });
    expect(response.status).toBe(422);
    const unauthenticated = await fetch(`${mock.url}/v1/settlements?date=2026-12-01`);
    expect(unauthenticated.status).toBe(401);
  });

  it("a report cut off before its summary is a transient error (the job tries again)", async () => {
    const cutOff = createHttpLender({
      name: "mock",
      baseUrl: "http://lender.test",
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      fetch: () =>
        Promise.resolve(
          new Response(
            '{"object":"settlement_line","settlement_date":"2026-12-01","type":"refund","transaction_id":"R1","loan_id":"LN1","external_loan_id":"loan_1","merchant_id":null,"reference":"rf_1","amount_cents":100,"fee_cents":0,"occurred_at":"2026-12-01T10:00:00Z"}\n',
            { status: 200 },
          ),
        ),
    });
    const error = await cutOff.settlementReport("2026-12-01").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerError);
    expect(error).toMatchObject({ permanent: false, code: "INVALID_RESPONSE" });
  });
});

describe("the settlement report's format", () => {
  const loans: SettlementSourceLoan[] = [
    {
      id: "LN-1",
      external_loan_id: "loan_1",
      merchant_id: "mer_1",
      disbursements: [
        {
          id: "D-1",
          status: "completed",
          amount_cents: 500_000,
          completed_at: "2026-12-01T23:59:59Z",
        },
        { id: "D-2", status: "failed", amount_cents: 500_000, completed_at: null },
      ],
      refunds: [
        {
          id: "R-1",
          status: "completed",
          amount_cents: 100_000,
          reference: "rf_1",
          completed_at: "2026-12-02T00:00:00Z",
        },
      ],
    },
  ];

  it("puts each completion on its UTC day, and the summary adds up", () => {
    const first = buildSettlementReport(loans, "2026-12-01");
    expect(first.lines.map((l) => [l.type, l.transaction_id])).toEqual([["disbursement", "D-1"]]);
    const second = parseSettlementReport(
      settlementReportBody(buildSettlementReport(loans, "2026-12-02")),
      "2026-12-02",
    );
    expect(second.lines).toEqual([
      expect.objectContaining({
        type: "refund",
        loanId: "loan_1",
        reference: "rf_1",
        amountCents: 100_000,
      }),
    ]);
    expect(second.summary.netCents).toBe(-100_000);
  });

  it("refuses a summary that disagrees with the lines, another day's line, and data after the summary", () => {
    const body = settlementReportBody(buildSettlementReport(loans, "2026-12-01"));
    expect(() =>
      parseSettlementReport(body.replace('"line_count":1', '"line_count":2'), "2026-12-01"),
    ).toThrow(SettlementReportError);
    expect(() => parseSettlementReport(body, "2026-12-02")).toThrow(/settlement date/);
    expect(() => parseSettlementReport(`${body}${body}`, "2026-12-01")).toThrow(
      /after the summary/,
    );
  });
});
