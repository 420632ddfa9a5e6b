/** Bits the live adapter and the mock lender share. Not part of the adapter's interface. */

/**
 * A short reason for a failed fetch: undici's TypeError says only "fetch failed" and keeps
 * the reason (ECONNREFUSED, "bad port", an AggregateError of both address families) in `cause`.
 */
export function describeFetchError(error: unknown): string {
  type Failure = { code?: unknown; message?: unknown; cause?: Failure; errors?: Failure[] };
  const e = (error ?? {}) as Failure;
  const cause = e.cause ?? {};
  const reason =
    cause.code ?? cause.errors?.[0]?.code ?? cause.message ?? e.code ?? e.message ?? error;
  return String(reason);
}
