import { getRequestContext, newRequestId } from "~/app/observability/request-context.server";

/** The error codes of docs/product/api.md's error table, with their HTTP status. */
export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  idempotency_conflict: 409,
  invalid_state: 409,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export type ErrorDetail = { path: string; message: string };

/** The one way every /api/v1 route answers an error (docs/product/api.md, "Errors"). */
export function apiError(
  code: ErrorCode,
  message: string,
  options: { details?: ErrorDetail[]; headers?: HeadersInit } = {},
): Response {
  const requestId = getRequestContext()?.requestId ?? newRequestId();
  const body = {
    error: {
      code,
      message,
      ...(options.details ? { details: options.details } : {}),
      request_id: requestId,
    },
  };
  const headers = new Headers(options.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status: errorStatus[code], headers });
}

/**
 * Seconds a client is asked to wait (Retry-After) when the database cannot write (ADR 024): a
 * lock held by another process, a full disk being cleared, a writer thread restarting.
 */
export const unavailableRetryAfterSeconds = 30;

/** The API's 503 for a request that could not be written (docs/product/api.md: `unavailable`). */
export function unavailableError(): Response {
  return apiError(
    "unavailable",
    "FlowPay cannot save this right now; nothing was written. Retry after the Retry-After seconds",
    { headers: { "Retry-After": String(unavailableRetryAfterSeconds) } },
  );
}

/** A JSON success response with the API's headers. */
export function apiJson(data: unknown, init: { status?: number; headers?: HeadersInit } = {}) {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(data), { status: init.status ?? 200, headers });
}
