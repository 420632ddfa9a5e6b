import { unavailableReason } from "~/db/errors";
import { apiError, unavailableError } from "./errors.server";
import { ApiFailure } from "./body.server";
import { logger } from "~/app/observability/logger.server";

/**
 * Wraps an /api/v1 loader or action: an ApiFailure becomes its response, a Remix Response is
 * passed through, a database that cannot write is docs/product/api.md's 503 `unavailable`, anything else is a bug — logged with the request id, answered as docs/product/api.md's 500
 * without a stack trace.
 */
export function apiHandler<Args extends { request: Request }>(
  handler: (args: Args) => Promise<Response>,
): (args: Args) => Promise<Response> {
  return async (args) => {
    try {
      return await handler(args);
    } catch (error) {
      if (error instanceof ApiFailure) return error.response;
      if (error instanceof Response) return error;
      // The database cannot write (disk full, locked, read-only, writer gone): not our bug but
      // the machine's — 503 with Retry-After, so CRMs and webhook senders retry (ADR 024).
      const reason = unavailableReason(error);
      if (reason) {
        logger.warn(
          { err: error, reason, path: new URL(args.request.url).pathname },
          "API request refused: database unavailable",
        );
        return unavailableError();
      }
      logger.error({ err: error, path: new URL(args.request.url).pathname }, "API handler failed");
      return apiError(
        "internal",
        "Something went wrong on our side; the request id identifies it for support",
      );
    }
  };
}

/** 405-style answer in the API's error shape for a method a route does not serve. */
export function methodNotAllowed(request: Request, allowed: string[]) {
  return apiError(
    "not_found",
    `No such endpoint: ${request.method} ${new URL(request.url).pathname}`,
    {
      headers: { Allow: allowed.join(", ") },
    },
  );
}
