/**
 * lender_transactions: every call to a lender and every lender event, for reconciliation. The
 * request and response are what we sent and what we understood — never the API key (it lives
 * only in the adapter's Authorization header) nor the webhook secret.
 */
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { lenderTransactions } from "~/db/schema/index";
import { isPartnerError } from "~/adapters/shared/errors";
import { businessMetrics } from "~/app/observability/business-metrics.server";

export type LenderCallRecord = {
  loanId: string | null;
  applicationId: string | null;
  lender: string;
  /** "create_loan", "request_disbursement", "get_loan_status", "event:loan.funded", … */
  operation: string;
  idempotencyKey?: string | null;
  request?: unknown;
  response?: unknown;
  statusCode?: number | null;
  outcome: "ok" | "error" | "event";
  durationMs?: number | null;
};

/** Inside the caller's transaction (with the state change the call caused). */
export async function insertLenderTransaction(tx: Tx, record: LenderCallRecord) {
  await tx.insert(lenderTransactions).values({
    id: newId("ltx"),
    loanId: record.loanId,
    applicationId: record.applicationId,
    lender: record.lender,
    operation: record.operation,
    idempotencyKey: record.idempotencyKey ?? null,
    request: record.request ?? null,
    response: record.response ?? null,
    statusCode: record.statusCode ?? null,
    outcome: record.outcome,
    durationMs: record.durationMs ?? null,
    createdAt: new Date(),
  });
}

/** What a failed call is recorded as (message and classification; nothing secret). */
export function errorResponse(error: unknown) {
  if (isPartnerError(error)) {
    return {
      error: error.message,
      code: error.code ?? null,
      status: error.status ?? null,
      permanent: error.permanent,
    };
  }
  return { error: error instanceof Error ? error.message : String(error) };
}

/**
 * A failed lender call: recorded in its own short write (there is no state change to go with
 * it) and counted in partner_call_errors_total.
 */
export async function recordLenderFailure(
  database: Database,
  record: Omit<LenderCallRecord, "outcome" | "response" | "statusCode">,
  error: unknown,
) {
  businessMetrics.partnerCallErrors.inc({ partner: `lender:${record.lender}` });
  await database.write((tx) =>
    insertLenderTransaction(tx, {
      ...record,
      outcome: "error",
      response: errorResponse(error),
      statusCode: isPartnerError(error) ? (error.status ?? null) : null,
    }),
  );
}
