import { json, type TypedResponse } from "@remix-run/node";
import { unavailableReason } from "~/db/errors";
import { unavailableRetryAfterSeconds } from "~/app/api/errors.server";
import { logger } from "~/app/observability/logger.server";

/** What a borrower reads when their answers could not be saved (ADR 024). */
export const retryLaterMessage =
  "We couldn't save this just now. Please try again in a minute — what you entered is still here.";

/**
 * Runs a borrower form's write. When the database cannot write (disk full, locked, read-only,
 * writer restarting — ADR 024), the form comes back instead of an error page: `reply()` is the
 * form's own answer (their values, a form error saying "try again in a minute"), sent as a 503
 * with Retry-After. Any other failure is thrown as before.
 */
export async function saveOrRetryLater<T, R>(
  write: () => Promise<T>,
  reply: (message: string) => R,
): Promise<{ saved: true; value: T } | { saved: false; response: TypedResponse<R> }> {
  try {
    return { saved: true, value: await write() };
  } catch (error) {
    const reason = unavailableReason(error);
    if (!reason) throw error;
    logger.warn({ err: error, reason }, "borrower form not saved: database unavailable");
    return {
      saved: false,
      response: json(reply(retryLaterMessage), {
        status: 503,
        headers: {
          "Retry-After": String(unavailableRetryAfterSeconds),
          "Cache-Control": "no-store",
        },
      }),
    };
  }
}
