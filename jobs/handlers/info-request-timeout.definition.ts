import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * An information request the borrower did not answer in INFO_REQUEST_TIMEOUT_HOURS puts its review
 * back in the queue (app/ops/info-requests.server.ts, ADR 076). Enqueued with a run-at in the
 * request's transaction, keyed by the request: a durable timer; running it after the answer, or
 * twice, changes nothing.
 */
export const infoRequestTimeoutJob = defineJob({
  kind: "info-request-timeout",
  schema: z.object({ requestId: z.string().min(1) }),
  priority: jobPriority.syncToCrm,
  maxAttempts: 8,
  timeoutMs: 30_000,
});
