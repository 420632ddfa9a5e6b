/**
 * The lender REST API's wire format (docs/sandbox/lender.md), in one place: paths, request
 * and response bodies, error codes. The mock lender serves it and the live adapter speaks it;
 * a lender whose API differs in a detail is corrected here.
 */
import { z } from "zod";
import { type LenderLoanStatus } from "./types";

export const API_PREFIX = "/v1";
export const loansPath = `${API_PREFIX}/loans`;
export const loanPath = (lenderLoanId: string) =>
  `${loansPath}/${encodeURIComponent(lenderLoanId)}`;
export const disbursementsPath = (lenderLoanId: string) =>
  `${loanPath(lenderLoanId)}/disbursements`;
export const refundsPath = (lenderLoanId: string) => `${loanPath(lenderLoanId)}/refunds`;
export const withdrawPath = (lenderLoanId: string) => `${loanPath(lenderLoanId)}/withdraw`;

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
/** Set (to "true") on an answer that replays the first request made with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

export const loanStatuses = [
  "pending",
  "approved",
  "disbursement_pending",
  "funded",
  "canceled",
  "rejected",
] as const satisfies readonly LenderLoanStatus[];

export const disbursementStatuses = ["pending", "completed", "failed"] as const;
export type WireDisbursementStatus = (typeof disbursementStatuses)[number];

/** The lender's error codes (body `{ "error": { "code", "message", "details"? } }`). */
export const errorCodes = {
  /** 400: no Idempotency-Key on a POST, or one longer than 255 characters. */
  idempotencyKeyRequired: "idempotency_key_required",
  /** 400: the body is not a JSON object. */
  invalidJson: "invalid_json",
  /** 401: missing or wrong Bearer key. */
  unauthorized: "unauthorized",
  /** 404 */
  notFound: "not_found",
  /** 405 */
  methodNotAllowed: "method_not_allowed",
  /** 409, permanent: the key was used before for another request (other body or endpoint). */
  idempotencyKeyReused: "idempotency_key_reused",
  /** 409, transient: a request with this key is still being processed; retry later. */
  idempotencyKeyInProgress: "idempotency_key_in_progress",
  /** 409, permanent: the loan already has a pending or completed disbursement. */
  disbursementExists: "disbursement_exists",
  /** 422: only a funded loan can be refunded. */
  loanNotRefundable: "loan_not_refundable",
  /** 422: a refund larger than what is left of the loan (funded − refunded). */
  refundExceedsLoan: "refund_exceeds_loan",
  /** 422: a funded loan cannot be withdrawn (refund it instead). */
  loanNotWithdrawable: "loan_not_withdrawable",
  /** 413 */
  bodyTooLarge: "body_too_large",
  /** 422: a field is missing or invalid (`details` lists them). */
  invalidRequest: "invalid_request",
  /** 422: the loan cannot be disbursed in its status (rejected, canceled, funded). */
  loanNotDisbursable: "loan_not_disbursable",
  /** 422: a disbursement larger than the amount financed. */
  amountExceedsLoan: "amount_exceeds_loan",
  /** Any status: a failure injected by the mock's `failNext`. */
  injectedFailure: "injected_failure",
  /** 500 */
  internalError: "internal_error",
} as const;

/** 409 codes that mean "not yet" rather than "never": the same request may succeed later. */
export const transientConflictCodes: ReadonlySet<string> = new Set([
  errorCodes.idempotencyKeyInProgress,
]);

const cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const positiveCents = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const percent = z.string().regex(/^\d{1,3}(\.\d{1,4})?$/, "expected a decimal percent like 9.99");
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD")
  .refine((value) => {
    const probe = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(probe.getTime()) && probe.toISOString().slice(0, 10) === value;
  }, "not a calendar date");
const reference = z.string().min(1).max(200);

/** `POST /v1/loans` body. */
export const createLoanBodySchema = z.object({
  external_loan_id: reference,
  external_application_id: reference,
  merchant_id: reference,
  principal_cents: positiveCents,
  amount_financed_cents: positiveCents,
  term_months: z.number().int().min(1).max(360),
  apr: percent,
  note_rate: percent,
  monthly_payment_cents: positiveCents,
  first_payment_date: isoDate,
  borrower: z.object({
    first_name: z.string().min(1).max(100),
    last_name: z.string().min(1).max(100),
    state: z
      .string()
      .regex(/^[A-Z]{2}$/, "expected a two-letter state code")
      .nullable(),
  }),
});
export type WireCreateLoanBody = z.infer<typeof createLoanBodySchema>;

/** `POST /v1/loans/{id}/disbursements` body. */
export const createDisbursementBodySchema = z.object({
  amount_cents: positiveCents,
  merchant_account_last4: z
    .string()
    .regex(/^\d{4}$/, "expected 4 digits")
    .nullable(),
  merchant_reference: reference,
  /**
   * False for a progress payment's first part (ADR 050): once paid, the loan stays open for
   * another disbursement (event `disbursement.completed`). Absent or true: the loan is funded.
   */
  final: z.boolean().optional(),
});
export type WireCreateDisbursementBody = z.infer<typeof createDisbursementBodySchema>;

/** `POST /v1/loans/{id}/refunds` body. */
export const createRefundBodySchema = z.object({
  amount_cents: positiveCents,
  reference,
  reason: z.string().min(1).max(500),
});
export type WireCreateRefundBody = z.infer<typeof createRefundBodySchema>;

/** `POST /v1/loans/{id}/withdraw` body. */
export const withdrawBodySchema = z.object({ reason: z.string().min(1).max(500) });
export type WireWithdrawBody = z.infer<typeof withdrawBodySchema>;

export type WireRefund = {
  id: string;
  object: "refund";
  loan_id: string;
  status: "pending" | "completed";
  amount_cents: number;
  reference: string;
  reason: string;
  created_at: string;
  completed_at: string | null;
};

export type WireDisbursement = {
  id: string;
  object: "disbursement";
  loan_id: string;
  status: WireDisbursementStatus;
  amount_cents: number;
  merchant_account_last4: string | null;
  merchant_reference: string;
  failure_reason: string | null;
  created_at: string;
  completed_at: string | null;
  /** False for a progress payment's first part (ADR 050); absent on the others. */
  final?: boolean;
};

export type WireLoan = WireCreateLoanBody & {
  id: string;
  object: "loan";
  status: LenderLoanStatus;
  /** Set when `status` is "rejected": the lender's reason code and message. */
  rejection?: { code: string; message: string } | null;
  funded_amount_cents: number | null;
  funded_at: string | null;
  canceled_at: string | null;
  created_at: string;
  disbursements: WireDisbursement[];
  /** Refunds of the funded loan (absent on loans stored before refunds existed). */
  refunds?: WireRefund[];
  /** The sum of the completed refunds. */
  refunded_cents?: number;
};

/** What the live adapter needs of a loan answer (extra fields are ignored). */
export const loanResponseSchema = z.object({
  id: z.string().min(1),
  status: z.enum(loanStatuses),
  funded_amount_cents: cents.nullable().optional(),
  funded_at: z.iso.datetime({ offset: true }).nullable().optional(),
  rejection: z
    .object({ code: z.string().min(1).max(100), message: z.string().max(500) })
    .nullable()
    .optional()
    .catch(null),
});

/** What the live adapter needs of a disbursement answer. */
export const disbursementResponseSchema = z.object({
  id: z.string().min(1),
  status: z.enum(disbursementStatuses),
  failure_reason: z.string().nullable().optional(),
});

/** What the live adapter needs of a refund answer. */
export const refundResponseSchema = z.object({
  id: z.string().min(1),
  status: z.enum(["pending", "completed"]),
});

export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string().optional(),
    message: z.string().optional(),
  }),
});

/** The webhook event body of docs/product/api.md (extra fields are kept in `raw`). */
export const webhookEventSchema = z.object({
  id: z.string().min(1),
  event: z.string().min(1),
  loan_id: z.string().min(1),
  funded_amount_cents: cents.nullable().optional(),
  occurred_at: z.iso.datetime({ offset: true }),
});

/** ISO 8601 in UTC without milliseconds, as in docs/product/api.md: "2026-11-30T15:00:00Z". */
export function wireTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
