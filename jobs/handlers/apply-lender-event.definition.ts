import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Apply a verified lender webhook event (stored once in webhook_events by the webhook route, in
 * the same transaction as this job): loan.funded → loan and application funded, the borrower's
 * text, the CRM write-back. An event for a loan we have not recorded yet is retried.
 */
export const applyLenderEventJob = defineJob({
  kind: "apply-lender-event",
  schema: z.object({ lender: z.string().min(1), eventId: z.string().min(1) }),
  priority: jobPriority.createLoan,
  maxAttempts: 8,
  timeoutMs: 30_000,
});
