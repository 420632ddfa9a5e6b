/**
 * The lender's daily settlement report (docs/sandbox/lender.md, "Settlement report"): what the
 * lender says it moved on one UTC day, one JSON object per line (NDJSON), ending with a summary
 * line that lets the reader tell a complete report from a cut-off one.
 *
 *   GET /v1/settlements?date=YYYY-MM-DD   (Bearer auth)  →  200 application/x-ndjson
 *   {"object":"settlement_line","settlement_date":"2026-12-06","type":"disbursement",
 *    "transaction_id":"DISB-ab12cd","loan_id":"LN-…","external_loan_id":"loan_…",
 *    "merchant_id":"mer_…","reference":null,"amount_cents":750000,"fee_cents":0,
 *    "occurred_at":"2026-12-06T15:04:05Z"}
 *   …
 *   {"object":"settlement_summary","settlement_date":"2026-12-06","line_count":2,
 *    "disbursed_cents":750000,"refunded_cents":375000,"fees_cents":0,"net_cents":375000}
 *
 * `type` is `disbursement` (a completed disbursement to the merchant) or `refund` (a completed
 * refund; `reference` is the refund reference FlowPay gave). `fee_cents` is the lender's own
 * charge on the line (0 at the sandbox lender). `net_cents` = disbursed − refunded − fees.
 * The mock lender serves it and the live adapter reads it: both use this file.
 */
import { z } from "zod";
import { API_PREFIX, wireTimestamp } from "./wire";

export const settlementsPath = `${API_PREFIX}/settlements`;
export const SETTLEMENT_CONTENT_TYPE = "application/x-ndjson";

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD that is a real calendar date. */
export function isSettlementDate(value: string): boolean {
  if (!isoDate.test(value)) return false;
  const probe = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(probe.getTime()) && probe.toISOString().slice(0, 10) === value;
}

const cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export type WireSettlementLine = {
  object: "settlement_line";
  settlement_date: string;
  type: "disbursement" | "refund";
  transaction_id: string;
  loan_id: string;
  external_loan_id: string;
  merchant_id: string | null;
  reference: string | null;
  amount_cents: number;
  fee_cents: number;
  occurred_at: string;
};

const idField = (value: unknown) =>
  typeof value === "string" && value.length > 0 && value.length <= 200;
const optionalIdField = (value: unknown) =>
  value === null || (typeof value === "string" && value.length <= 200);
const centsField = (value: unknown) =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/**
 * One settlement line's fields, checked by hand: a day's report holds thousands of lines and a
 * schema library's per-line parse cost ≈10× more (scripts/bench/ledger.ts). Returns the fields
 * that are wrong (none: it is a line).
 */
export function settlementLineProblems(json: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (json.object !== "settlement_line") problems.push("object");
  if (typeof json.settlement_date !== "string") problems.push("settlement_date");
  if (json.type !== "disbursement" && json.type !== "refund") problems.push("type");
  for (const field of ["transaction_id", "loan_id", "external_loan_id"] as const) {
    if (!idField(json[field])) problems.push(field);
  }
  for (const field of ["merchant_id", "reference"] as const) {
    if (!optionalIdField(json[field])) problems.push(field);
  }
  for (const field of ["amount_cents", "fee_cents"] as const) {
    if (!centsField(json[field])) problems.push(field);
  }
  if (typeof json.occurred_at !== "string" || Number.isNaN(Date.parse(json.occurred_at))) {
    problems.push("occurred_at");
  }
  return problems;
}

export const settlementSummarySchema = z.object({
  object: z.literal("settlement_summary"),
  settlement_date: z.string().refine(isSettlementDate, "expected YYYY-MM-DD"),
  line_count: z.number().int().nonnegative(),
  disbursed_cents: cents,
  refunded_cents: cents,
  fees_cents: cents,
  net_cents: z.number().int(),
});
export type WireSettlementSummary = z.infer<typeof settlementSummarySchema>;

/** A report as the adapter hands it on: our loan ids, positive cents. */
export type SettlementReport = {
  date: string;
  lines: {
    type: "disbursement" | "refund";
    transactionId: string;
    lenderLoanId: string;
    /** Our loan id (the external_loan_id we gave at creation). */
    loanId: string;
    merchantId: string | null;
    reference: string | null;
    amountCents: number;
    feeCents: number;
    occurredAt: Date;
  }[];
  summary: {
    lineCount: number;
    disbursedCents: number;
    refundedCents: number;
    feesCents: number;
    netCents: number;
  };
};

/** What the builder needs of a lender's loan (the mock's WireLoan has all of it). */
export type SettlementSourceLoan = {
  id: string;
  external_loan_id: string;
  merchant_id: string;
  disbursements: readonly {
    id: string;
    status: string;
    amount_cents: number;
    completed_at: string | null;
  }[];
  refunds?: readonly {
    id: string;
    status: string;
    amount_cents: number;
    reference: string;
    completed_at: string | null;
  }[];
};

/**
 * The report of `date` from the lender's loans: each disbursement and refund completed that UTC
 * day, ordered by time then id, and the summary. The mock lender answers with this.
 */
export function buildSettlementReport(
  loans: Iterable<SettlementSourceLoan>,
  date: string,
): { lines: WireSettlementLine[]; summary: WireSettlementSummary } {
  const lines: WireSettlementLine[] = [];
  const onDate = (at: string | null): at is string => at !== null && at.slice(0, 10) === date;
  for (const loan of loans) {
    for (const d of loan.disbursements) {
      if (d.status !== "completed" || !onDate(d.completed_at)) continue;
      lines.push({
        object: "settlement_line",
        settlement_date: date,
        type: "disbursement",
        transaction_id: d.id,
        loan_id: loan.id,
        external_loan_id: loan.external_loan_id,
        merchant_id: loan.merchant_id,
        reference: null,
        amount_cents: d.amount_cents,
        fee_cents: 0,
        occurred_at: wireTimestamp(new Date(d.completed_at)),
      });
    }
    for (const r of loan.refunds ?? []) {
      if (r.status !== "completed" || !onDate(r.completed_at)) continue;
      lines.push({
        object: "settlement_line",
        settlement_date: date,
        type: "refund",
        transaction_id: r.id,
        loan_id: loan.id,
        external_loan_id: loan.external_loan_id,
        merchant_id: loan.merchant_id,
        reference: r.reference,
        amount_cents: r.amount_cents,
        fee_cents: 0,
        occurred_at: wireTimestamp(new Date(r.completed_at)),
      });
    }
  }
  lines.sort((a, b) =>
    a.occurred_at === b.occurred_at
      ? a.transaction_id.localeCompare(b.transaction_id)
      : a.occurred_at.localeCompare(b.occurred_at),
  );
  const sum = (type: WireSettlementLine["type"]) =>
    lines.filter((l) => l.type === type).reduce((total, l) => total + l.amount_cents, 0);
  const disbursed = sum("disbursement");
  const refunded = sum("refund");
  const fees = lines.reduce((total, l) => total + l.fee_cents, 0);
  return {
    lines,
    summary: {
      object: "settlement_summary",
      settlement_date: date,
      line_count: lines.length,
      disbursed_cents: disbursed,
      refunded_cents: refunded,
      fees_cents: fees,
      net_cents: disbursed - refunded - fees,
    },
  };
}

/** The report as the NDJSON body the lender sends. */
export function settlementReportBody(report: ReturnType<typeof buildSettlementReport>): string {
  return [...report.lines, report.summary].map((line) => JSON.stringify(line)).join("\n") + "\n";
}

export class SettlementReportError extends Error {
  override name = "SettlementReportError";
}

/**
 * Reads an NDJSON report: every line valid, for `date`, and a summary last whose count and
 * totals match the lines — otherwise the report is incomplete or corrupt and nothing of it is
 * used (SettlementReportError; the caller retries).
 */
export function parseSettlementReport(body: string, date: string): SettlementReport {
  const raw = body.split("\n").filter((line) => line.trim() !== "");
  const lines: SettlementReport["lines"] = [];
  let summary: WireSettlementSummary | null = null;
  // One JSON.parse for the whole report (several times faster than one per line); only when it
  // fails are the lines parsed one by one, to say which is broken.
  let parsedLines: unknown[];
  try {
    parsedLines = JSON.parse(`[${raw.join(",")}]`) as unknown[];
  } catch {
    parsedLines = raw.map((text, index) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new SettlementReportError(`line ${index + 1}: not JSON`);
      }
    });
  }
  parsedLines.forEach((json, index) => {
    if (summary) throw new SettlementReportError(`line ${index + 1}: data after the summary`);
    const object = (json as { object?: unknown })?.object;
    if (object === "settlement_summary") {
      const parsed = settlementSummarySchema.safeParse(json);
      if (!parsed.success) throw new SettlementReportError(`line ${index + 1}: bad summary`);
      summary = parsed.data;
      return;
    }
    if (!json || typeof json !== "object" || Array.isArray(json)) {
      throw new SettlementReportError(`line ${index + 1}: not an object`);
    }
    const problems = settlementLineProblems(json as Record<string, unknown>);
    if (problems.length > 0) {
      throw new SettlementReportError(`line ${index + 1}: bad ${problems.join(", ")}`);
    }
    const line = json as WireSettlementLine;
    if (line.settlement_date !== date) {
      throw new SettlementReportError(`line ${index + 1}: settlement date ${line.settlement_date}`);
    }
    lines.push({
      type: line.type,
      transactionId: line.transaction_id,
      lenderLoanId: line.loan_id,
      loanId: line.external_loan_id,
      merchantId: line.merchant_id,
      reference: line.reference,
      amountCents: line.amount_cents,
      feeCents: line.fee_cents,
      occurredAt: new Date(line.occurred_at),
    });
  });
  const last = summary as WireSettlementSummary | null;
  if (!last) throw new SettlementReportError("no summary line: the report is incomplete");
  if (last.settlement_date !== date) {
    throw new SettlementReportError(`the summary is for ${last.settlement_date}, not ${date}`);
  }
  const total = (type: "disbursement" | "refund") =>
    lines.filter((l) => l.type === type).reduce((sum, l) => sum + l.amountCents, 0);
  const fees = lines.reduce((sum, l) => sum + l.feeCents, 0);
  if (
    last.line_count !== lines.length ||
    last.disbursed_cents !== total("disbursement") ||
    last.refunded_cents !== total("refund") ||
    last.fees_cents !== fees
  ) {
    throw new SettlementReportError(
      "the summary does not match the lines: the report is incomplete",
    );
  }
  return {
    date,
    lines,
    summary: {
      lineCount: last.line_count,
      disbursedCents: last.disbursed_cents,
      refundedCents: last.refunded_cents,
      feesCents: last.fees_cents,
      netCents: last.net_cents,
    },
  };
}
