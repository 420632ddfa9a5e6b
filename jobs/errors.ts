/**
 * How a job's failure is classified. A handler (or the adapter it calls) throws:
 * - `PermanentError` (or any error with `permanent: true`): retrying cannot help — a partner's
 *   4xx, a payload the schema rejects — so the job goes to the dead letters at once;
 * - anything else: transient, retried with backoff until the kind's maxAttempts.
 */
export class PermanentError extends Error {
  override name = "PermanentError";
  readonly permanent = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Wraps any error as permanent (keeps the original as `cause`). */
export function permanent(error: unknown): PermanentError {
  if (error instanceof PermanentError) return error;
  return new PermanentError(describeError(error), { cause: error });
}

export function isPermanentError(error: unknown): boolean {
  if (error instanceof PermanentError) return true;
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { permanent?: unknown }).permanent === true
  );
}

/**
 * Partner HTTP statuses that retrying cannot fix: every 4xx except timeouts (408), conflicts that
 * an idempotency key reports while the first request is still running (409), "too early" (425)
 * and rate limiting (429). 5xx and network errors are transient.
 */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 409, 425, 429].includes(status);
}

/** The error an adapter throws for a failed partner response: permanent for a 4xx (see above). */
export function httpStatusError(status: number, message: string, cause?: unknown): Error {
  const text = `${message} (HTTP ${status})`;
  return isPermanentHttpStatus(status)
    ? new PermanentError(text, { cause })
    : new Error(text, { cause });
}

/** The job ran past its kind's timeoutMs; its AbortSignal was aborted. Transient. */
export class JobTimeoutError extends Error {
  override name = "JobTimeoutError";
}

/** The process is shutting down: the job was aborted and is released for another worker. */
export class JobInterruptedError extends Error {
  override name = "JobInterruptedError";
}

/** The payload does not match the kind's schema (at enqueue, or at run time: then permanent). */
export class JobPayloadError extends PermanentError {
  override name = "JobPayloadError";
}

const maxErrorLength = 2000;

/** "Name: message", bounded, for the outbox's last_error column (never a stack or payload). */
export function describeError(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    text = error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  } else {
    text = String(error);
  }
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength - 1)}…` : text;
}
