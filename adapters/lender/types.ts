/**
 * The lender partner as the rest of FlowPay sees it. Lenders are pluggable per merchant
 * (`merchants.lender` names one); every lender speaks the same REST API (docs/sandbox/lender.md),
 * so one live adapter (`http-lender.ts`) serves them all, configured by name, base URL, API
 * key and webhook secret. The mock lender (`mock-lender.ts`) is a real HTTP server speaking
 * that API: the sandbox lender of the demo, the fake of the tests, and a standalone server.
 *
 * Every failed call throws a `PartnerError` (adapters/shared/errors.ts) with
 * `partner: "lender:<name>"`; `permanent` tells the job runner whether to retry. Each method
 * makes exactly one attempt: the job runner owns retries, and the idempotency keys make a
 * retried create or disbursement safe (the lender answers with the first result).
 */

import type { SettlementReport } from "./settlement";

export type LenderLoanStatus =
  "pending" | "approved" | "disbursement_pending" | "funded" | "canceled" | "rejected";

/** A lender's refusal of a loan: a stable code and a message for people (not secret). */
export type LenderRejection = { code: string; message: string };

export type CreateLoanInput = {
  /** Derived from our ids (e.g. `${loanId}:create`): a retry must never make a second loan. */
  idempotencyKey: string;
  applicationId: string;
  loanId: string;
  merchantId: string;
  principalCents: number;
  amountFinancedCents: number;
  termMonths: number;
  /** Decimal percent as a string, e.g. "9.99". */
  apr: string;
  /** Decimal percent as a string, e.g. "8.49". */
  noteRate: string;
  monthlyPaymentCents: number;
  /** YYYY-MM-DD */
  firstPaymentDate: string;
  borrower: { firstName: string; lastName: string; state: string | null };
};

export type DisbursementInput = {
  /** Derived from our ids (e.g. `${loanId}:disburse`); must differ from the create key. */
  idempotencyKey: string;
  lenderLoanId: string;
  amountCents: number;
  merchantAccountLast4: string | null;
  merchantReference: string;
  /**
   * False for a progress payment's first part (ADR 050): the loan stays open for the second
   * disbursement, and the lender confirms this one with `disbursement.completed` instead of
   * `loan.funded`. Default true.
   */
  final?: boolean;
};

/** A refund of a funded loan (docs/product/merchants-and-money.md): the lender reduces or closes it. */
export type RefundInput = {
  /** Derived from our refund id (`${refundId}:refund`): a retry must never refund twice. */
  idempotencyKey: string;
  lenderLoanId: string;
  amountCents: number;
  /** Our refund id: the lender's `loan.refunded` event names it back. */
  reference: string;
  reason: string;
};

/** Withdrawing a loan not yet disbursed (a cancellation before funding). */
export type WithdrawInput = {
  /** Derived from our loan id (`${loanId}:withdraw`). */
  idempotencyKey: string;
  lenderLoanId: string;
  reason: string;
};

export type LenderEvent = {
  /** The lender's event id ("evt_…"): the same event may be delivered more than once. */
  id: string;
  event: "loan.funded" | "loan.canceled" | "loan.refunded" | "disbursement.failed" | (string & {});
  lenderLoanId: string;
  fundedAmountCents: number | null;
  occurredAt: Date;
  /** The whole event body as received (after the signature was verified). */
  raw: Record<string, unknown>;
};

export interface LenderAdapter {
  readonly name: string; // "mock", …
  createLoan(
    input: CreateLoanInput,
    signal?: AbortSignal,
  ): Promise<{
    lenderLoanId: string;
    status: LenderLoanStatus;
    /** Why a `rejected` loan was refused, when the lender says (null otherwise). */
    rejection: LenderRejection | null;
  }>;
  requestDisbursement(
    input: DisbursementInput,
    signal?: AbortSignal,
  ): Promise<{ disbursementId: string; status: "pending" | "completed" }>;
  /** Refunds part or all of a funded loan; the lender confirms with a `loan.refunded` event. */
  refundLoan(
    input: RefundInput,
    signal?: AbortSignal,
  ): Promise<{ refundId: string; status: "pending" | "completed" }>;
  /** Withdraws a loan that has not been disbursed; withdrawing a canceled loan again is a no-op. */
  withdrawLoan(input: WithdrawInput, signal?: AbortSignal): Promise<{ status: LenderLoanStatus }>;
  /** The lender's settlement report of one UTC day (YYYY-MM-DD), complete or an error (settlement.ts). */
  settlementReport(date: string, signal?: AbortSignal): Promise<SettlementReport>;
  getLoanStatus(
    lenderLoanId: string,
    signal?: AbortSignal,
  ): Promise<{ status: LenderLoanStatus; fundedAmountCents: number | null; fundedAt: Date | null }>;
  /** Verifies X-Lender-Signature (HMAC-SHA256 of `${t}.${rawBody}`, hex, constant-time; |now - t| ≤ 300 s) and parses the event body of docs/product/api.md. Throws PartnerError (permanent) when unsigned, stale or forged. */
  handleWebhook(rawBody: string, signatureHeader: string | null, now?: Date): LenderEvent;
}

export type { SettlementReport };

export {
  parseSignatureHeader,
  signLenderWebhook,
  LENDER_SIGNATURE_HEADER,
  LENDER_SIGNATURE_TOLERANCE_SECONDS,
} from "./signature";
