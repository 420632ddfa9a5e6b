/**
 * The generic live lender adapter: the lender REST API of docs/sandbox/lender.md over fetch.
 *
 * - One attempt per call; the job runner retries. Creates and disbursements carry the
 *   caller's idempotency key, so a retry after an ambiguous failure (timeout, 5xx, network)
 *   gets the first answer back instead of a second loan or payout.
 * - Errors are PartnerErrors (`partner: "lender:<name>"`): a 4xx is permanent except 408,
 *   425, 429 and a 409 saying the same key is still in progress; 5xx, network errors,
 *   timeouts, aborts and unreadable 2xx answers are transient.
 * - The API key only ever goes into the Authorization header: it is never logged, never
 *   put in an error, and redacted from anything the lender echoes back.
 * - **Circuit breaker per lender** (cockatiel, as FieldRoutes' adapter): after
 *   `breaker.consecutiveFailures` transient failures in a row (default 5) calls fail fast
 *   with a transient PartnerError `CIRCUIT_OPEN`, without reaching the lender, until
 *   `breaker.halfOpenAfterMs` (default 30 s) has passed; one trial call then decides. Without
 *   it every queued create/disburse job waited out its full timeout against a lender that is
 *   down. Permanent answers, a 409 "same key in progress", 425 and caller aborts do not
 *   count: they say nothing about the lender being down.
 */
import { ConsecutiveBreaker, circuitBreaker, handleWhen, isBrokenCircuitError } from "cockatiel";
import { z } from "zod";
import { PartnerError, isPermanentHttpStatus } from "~/adapters/shared/errors";
import { describeFetchError } from "./internal";
import {
  isSettlementDate,
  parseSettlementReport,
  SETTLEMENT_CONTENT_TYPE,
  settlementsPath,
  type SettlementReport,
} from "./settlement";
import { LENDER_SIGNATURE_HEADER, verifyLenderWebhook } from "./signature";
import {
  type CreateLoanInput,
  type DisbursementInput,
  type LenderAdapter,
  type RefundInput,
  type WithdrawInput,
} from "./types";
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  disbursementResponseSchema,
  disbursementsPath,
  errorResponseSchema,
  loanPath,
  loanResponseSchema,
  loansPath,
  refundResponseSchema,
  refundsPath,
  transientConflictCodes,
  withdrawPath,
  type WireCreateDisbursementBody,
  type WireCreateLoanBody,
  type WireCreateRefundBody,
  type WireWithdrawBody,
} from "./wire";

export type HttpLenderConfig = {
  /** The lender's name as merchants.lender spells it: "mock", … (lowercase, digits, - and _). */
  name: string;
  /** Origin plus an optional path prefix; the API lives under `${baseUrl}/v1/…`. */
  baseUrl: string;
  apiKey: string;
  /** Secret(s) that sign the lender's webhooks; give two during a rotation. */
  webhookSecret: string | readonly string[];
  /** Per call, covering the response body too. Default 10 s. */
  timeoutMs?: number;
  /** Circuit breaker (see above). */
  breaker?: { consecutiveFailures?: number; halfOpenAfterMs?: number };
  /** Tests only. */
  fetch?: typeof fetch;
};

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_BREAKER_CONSECUTIVE_FAILURES = 5;
export const DEFAULT_BREAKER_HALF_OPEN_AFTER_MS = 30_000;
const LENDER_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const MAX_ERROR_TEXT = 300;

export class LenderConfigError extends Error {
  override name = "LenderConfigError";
}

type CallOptions = {
  method: "GET" | "POST";
  /** A body that is not one JSON document (the settlement report's NDJSON): read by this instead of the schema; a throw is an unreadable answer. */
  readText?: (text: string) => unknown;
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal | undefined;
};

export function createHttpLender(config: HttpLenderConfig): LenderAdapter {
  const { name, apiKey } = config;
  if (!LENDER_NAME.test(name ?? "")) {
    throw new LenderConfigError(
      `Lender name ${JSON.stringify(name)} must be 1–40 characters of a-z, 0-9, - and _`,
    );
  }
  let base: URL;
  try {
    base = new URL(config.baseUrl);
  } catch {
    throw new LenderConfigError(`Lender ${name}: baseUrl is not a URL`);
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw new LenderConfigError(`Lender ${name}: baseUrl must be http(s)`);
  }
  if (!apiKey) throw new LenderConfigError(`Lender ${name}: apiKey is required`);
  const secrets = (
    typeof config.webhookSecret === "string" ? [config.webhookSecret] : [...config.webhookSecret]
  ).filter(Boolean);
  if (secrets.length === 0)
    throw new LenderConfigError(`Lender ${name}: webhookSecret is required`);
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new LenderConfigError(`Lender ${name}: timeoutMs must be positive`);
  }
  const fetchImpl = config.fetch ?? fetch;
  const prefix = base.pathname.replace(/\/+$/, "");
  const partner = `lender:${name}`;

  /** Anything the lender (or a proxy) sends back, made safe to log. */
  const clean = (text: string) =>
    text.split(apiKey).join("[redacted]").replace(/\s+/g, " ").trim().slice(0, MAX_ERROR_TEXT);

  const urlFor = (path: string) => new URL(prefix + path, base).toString();

  const fail = (
    action: string,
    code: string,
    message: string,
    permanent: boolean,
    cause?: unknown,
  ) =>
    new PartnerError(`Lender ${name} ${action}: ${message}`, {
      partner,
      code,
      permanent,
      ...(cause === undefined ? {} : { cause }),
    });

  function checkKey(action: string, key: string) {
    if (typeof key !== "string" || !key || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
      throw fail(
        action,
        "INVALID_REQUEST",
        `idempotency key must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
        true,
      );
    }
  }

  const breaker = circuitBreaker(
    handleWhen(
      (error) =>
        error instanceof PartnerError &&
        !error.permanent &&
        error.code !== "ABORTED" &&
        error.status !== 409 &&
        error.status !== 425,
    ),
    {
      halfOpenAfter: config.breaker?.halfOpenAfterMs ?? DEFAULT_BREAKER_HALF_OPEN_AFTER_MS,
      breaker: new ConsecutiveBreaker(
        config.breaker?.consecutiveFailures ?? DEFAULT_BREAKER_CONSECUTIVE_FAILURES,
      ),
    },
  );

  /** Every lender call goes through the breaker; an open circuit is a transient CIRCUIT_OPEN. */
  async function call<S extends z.ZodType>(
    action: string,
    options: CallOptions,
    schema: S,
  ): Promise<z.infer<S>> {
    try {
      return await breaker.execute(() => attempt(action, options, schema));
    } catch (error) {
      if (isBrokenCircuitError(error)) {
        throw fail(
          action,
          "CIRCUIT_OPEN",
          "not attempted: circuit open after repeated failures",
          false,
        );
      }
      throw error;
    }
  }

  async function attempt<S extends z.ZodType>(
    action: string,
    options: CallOptions,
    schema: S,
  ): Promise<z.infer<S>> {
    const callerSignal = options.signal;
    const aborted = () =>
      fail(action, "ABORTED", "aborted by the caller", false, callerSignal?.reason);
    if (callerSignal?.aborted) throw aborted();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const noAnswer = (error: unknown): PartnerError => {
      if (callerSignal?.aborted) return aborted();
      if (timeout.aborted)
        return fail(action, "TIMEOUT", `no answer within ${timeoutMs} ms`, false);
      const detail = clean(describeFetchError(error));
      return fail(action, "NETWORK", `network error (${detail})`, false, new Error(detail));
    };

    const headers: Record<string, string> = {
      Authorization: `Bearer ${apiKey}`,
      Accept: options.readText ? SETTLEMENT_CONTENT_TYPE : "application/json",
      "User-Agent": "FlowPay-Lender-Adapter/1",
    };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.idempotencyKey !== undefined)
      headers[IDEMPOTENCY_KEY_HEADER] = options.idempotencyKey;

    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(urlFor(options.path), {
        method: options.method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal,
        redirect: "error",
      });
      text = await response.text();
    } catch (error) {
      throw noAnswer(error);
    }

    if (!response.ok) {
      let code: string | undefined;
      let lenderMessage: string | undefined;
      try {
        const parsed = errorResponseSchema.safeParse(JSON.parse(text));
        if (parsed.success) {
          code = parsed.data.error.code;
          lenderMessage = parsed.data.error.message;
        }
      } catch {
        // Not JSON (a proxy's error page): the status alone decides.
      }
      const status = response.status;
      const permanent =
        isPermanentHttpStatus(status) &&
        !(status === 409 && code !== undefined && transientConflictCodes.has(code));
      const safeCode = code ? clean(code) : undefined;
      const message = `HTTP ${status}${safeCode ? ` (${safeCode})` : ""}${lenderMessage ? `: ${clean(lenderMessage)}` : ""}`;
      throw new PartnerError(`Lender ${name} ${action} failed: ${message}`, {
        partner,
        status,
        ...(safeCode ? { code: safeCode } : {}),
        permanent,
      });
    }

    if (options.readText) {
      try {
        return options.readText(text) as z.infer<S>;
      } catch (error) {
        const detail = clean(error instanceof Error ? error.message : String(error));
        throw fail(action, "INVALID_RESPONSE", `unreadable answer (${detail})`, false);
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw fail(
        action,
        "INVALID_RESPONSE",
        `HTTP ${response.status} with a body that is not JSON`,
        false,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(body)"))];
      throw fail(
        action,
        "INVALID_RESPONSE",
        `unexpected answer (HTTP ${response.status}; ${fields.join(", ")})`,
        false,
      );
    }
    return parsed.data as z.infer<S>;
  }

  return {
    name,

    async createLoan(input: CreateLoanInput, signal?: AbortSignal) {
      checkKey("createLoan", input.idempotencyKey);
      const body: WireCreateLoanBody = {
        external_loan_id: input.loanId,
        external_application_id: input.applicationId,
        merchant_id: input.merchantId,
        principal_cents: input.principalCents,
        amount_financed_cents: input.amountFinancedCents,
        term_months: input.termMonths,
        apr: input.apr,
        note_rate: input.noteRate,
        monthly_payment_cents: input.monthlyPaymentCents,
        first_payment_date: input.firstPaymentDate,
        borrower: {
          first_name: input.borrower.firstName,
          last_name: input.borrower.lastName,
          state: input.borrower.state,
        },
      };
      const loan = await call(
        "createLoan",
        { method: "POST", path: loansPath, body, idempotencyKey: input.idempotencyKey, signal },
        loanResponseSchema,
      );
      const rejection = loan.rejection
        ? { code: clean(loan.rejection.code), message: clean(loan.rejection.message) }
        : null;
      return { lenderLoanId: loan.id, status: loan.status, rejection };
    },

    async requestDisbursement(input: DisbursementInput, signal?: AbortSignal) {
      checkKey("requestDisbursement", input.idempotencyKey);
      if (!input.lenderLoanId) {
        throw fail("requestDisbursement", "INVALID_REQUEST", "lenderLoanId is required", true);
      }
      const body: WireCreateDisbursementBody = {
        amount_cents: input.amountCents,
        merchant_account_last4: input.merchantAccountLast4,
        merchant_reference: input.merchantReference,
        ...(input.final === false ? { final: false } : {}),
      };
      const disbursement = await call(
        "requestDisbursement",
        {
          method: "POST",
          path: disbursementsPath(input.lenderLoanId),
          body,
          idempotencyKey: input.idempotencyKey,
          signal,
        },
        disbursementResponseSchema,
      );
      if (disbursement.status === "failed") {
        // Only on a replay of a disbursement that has failed since: this key is spent.
        throw new PartnerError(
          `Lender ${name} requestDisbursement: disbursement ${disbursement.id} failed (${clean(disbursement.failure_reason ?? "no reason given")}); request a new one with a new idempotency key`,
          { partner, code: "DISBURSEMENT_FAILED", permanent: true },
        );
      }
      return { disbursementId: disbursement.id, status: disbursement.status };
    },

    async refundLoan(input: RefundInput, signal?: AbortSignal) {
      checkKey("refundLoan", input.idempotencyKey);
      if (!input.lenderLoanId) {
        throw fail("refundLoan", "INVALID_REQUEST", "lenderLoanId is required", true);
      }
      const body: WireCreateRefundBody = {
        amount_cents: input.amountCents,
        reference: input.reference,
        reason: input.reason,
      };
      const refund = await call(
        "refundLoan",
        {
          method: "POST",
          path: refundsPath(input.lenderLoanId),
          body,
          idempotencyKey: input.idempotencyKey,
          signal,
        },
        refundResponseSchema,
      );
      return { refundId: refund.id, status: refund.status };
    },

    async withdrawLoan(input: WithdrawInput, signal?: AbortSignal) {
      checkKey("withdrawLoan", input.idempotencyKey);
      if (!input.lenderLoanId) {
        throw fail("withdrawLoan", "INVALID_REQUEST", "lenderLoanId is required", true);
      }
      const body: WireWithdrawBody = { reason: input.reason };
      const loan = await call(
        "withdrawLoan",
        {
          method: "POST",
          path: withdrawPath(input.lenderLoanId),
          body,
          idempotencyKey: input.idempotencyKey,
          signal,
        },
        loanResponseSchema,
      );
      return { status: loan.status };
    },

    async settlementReport(date: string, signal?: AbortSignal) {
      if (!isSettlementDate(date)) {
        throw fail("settlementReport", "INVALID_REQUEST", "date must be YYYY-MM-DD", true);
      }
      return call(
        "settlementReport",
        {
          method: "GET",
          path: `${settlementsPath}?date=${date}`,
          signal,
          readText: (text) => parseSettlementReport(text, date),
        },
        z.custom<SettlementReport>(),
      );
    },

    async getLoanStatus(lenderLoanId: string, signal?: AbortSignal) {
      if (!lenderLoanId) {
        throw fail("getLoanStatus", "INVALID_REQUEST", "lenderLoanId is required", true);
      }
      const loan = await call(
        "getLoanStatus",
        { method: "GET", path: loanPath(lenderLoanId), signal },
        loanResponseSchema,
      );
      return {
        status: loan.status,
        fundedAmountCents: loan.funded_amount_cents ?? null,
        fundedAt: loan.funded_at ? new Date(loan.funded_at) : null,
      };
    },

    handleWebhook(rawBody: string, signatureHeader: string | null, now?: Date) {
      return verifyLenderWebhook({
        partner,
        secrets,
        rawBody,
        signatureHeader,
        ...(now ? { now } : {}),
      });
    },
  };
}

export { LENDER_SIGNATURE_HEADER };
