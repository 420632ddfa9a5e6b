import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Ask the lender to pay the merchant (amount − merchant fee) for a loan the lender has created.
 * Enqueued in the same transaction that records the lender's loan id; the idempotency key
 * `${loanId}:disburse` makes a retry replay the first payout instead of making a second one.
 */
export const requestDisbursementJob = defineJob({
  kind: "request-disbursement",
  /**
   * `part: "upfront"`: a progress payment's first part, paid while the loan waits for the job
   * (ADR 050); without it, the loan's (remaining) payment.
   */
  schema: z.object({ loanId: z.string().min(1), part: z.enum(["upfront"]).optional() }),
  priority: jobPriority.createLoan,
  maxAttempts: 8,
  timeoutMs: 60_000,
  rateLimit: { max: 100, perMs: 60_000 },
});
