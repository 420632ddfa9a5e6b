/**
 * The one error type every partner adapter throws for a failed partner call.
 *
 * `permanent` is the only thing a caller (the job runner) needs to decide: a permanent
 * error is an answer that the same request will get again (bad number, unsubscribed
 * recipient, bad credentials), so retrying is pointless — mark the job failed and tell a
 * human. A transient one (network error, timeout, abort, 429, 5xx) may succeed later, so
 * retry it with backoff.
 *
 * A transient error from a call that creates something at the partner (sending a message,
 * creating a loan) is *ambiguous*: the partner may have done it before the connection
 * failed. Retry with the same idempotency key, or — where the partner has none — look
 * the result up first (e.g. `SmsAdapter.findSent`).
 *
 * Never put credentials in the message, `code` or `cause`: this error is logged.
 */
export class PartnerError extends Error {
  override name = "PartnerError";
  /** Which partner answered (or failed to): "twilio", "experian", "plaid", … */
  readonly partner: string;
  /** The partner's HTTP status, when it answered. */
  readonly status?: number;
  /** The partner's own error code (Twilio 21211) or ours for a failure without an answer ("TIMEOUT", "NETWORK", "ABORTED"). */
  readonly code?: string | number;
  /** True when retrying the same request cannot succeed. */
  readonly permanent: boolean;

  constructor(
    message: string,
    details: {
      partner: string;
      status?: number;
      code?: string | number;
      permanent: boolean;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.partner = details.partner;
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
    this.permanent = details.permanent;
  }

  get transient(): boolean {
    return !this.permanent;
  }
}

export function isPartnerError(error: unknown): error is PartnerError {
  return error instanceof PartnerError;
}

/**
 * The default reading of an HTTP status: a 4xx is permanent (the request itself is wrong,
 * or our credentials are), except 408 (request timeout), 425 (too early) and 429 (rate
 * limited); 5xx and anything else are transient. Adapters refine this with the partner's
 * own error codes.
 */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 425 && status !== 429;
}
