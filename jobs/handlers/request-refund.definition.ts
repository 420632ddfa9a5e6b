import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Ask the lender to refund part or all of a funded loan (app/lending/refunds.server.ts).
 * Enqueued in the transaction that records the refund request; the lender idempotency key
 * `${refundId}:refund` makes a retry — after a crash, a timeout, a kill -9 — replay the first
 * refund instead of making a second one.
 */
export const requestRefundJob = defineJob({
  kind: "request-refund",
  schema: z.object({ refundId: z.string().min(1) }),
  priority: jobPriority.createLoan,
  maxAttempts: 8,
  timeoutMs: 60_000,
  rateLimit: { max: 100, perMs: 60_000 },
});
