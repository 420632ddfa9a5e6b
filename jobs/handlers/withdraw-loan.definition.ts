import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Withdraw a canceled application's loan at the lender (app/lending/cancel.server.ts).
 * Enqueued in the transaction that cancels the loan, keyed by the loan, so a crash can neither
 * lose it nor send it twice; the lender idempotency key `${loanId}:withdraw` makes a retry a
 * replay, and withdrawing an already withdrawn loan is a no-op at the lender.
 */
export const withdrawLoanJob = defineJob({
  kind: "withdraw-loan",
  schema: z.object({
    loanId: z.string().min(1),
    /**
     * A booking the loan row no longer names: an amount change re-books the loan (ADR 054), and
     * the superseded booking is withdrawn by its own id and attempt.
     */
    superseded: z
      .object({ lender: z.string().min(1), lenderLoanId: z.string().min(1), attempt: z.number() })
      .optional(),
  }),
  priority: jobPriority.createLoan,
  maxAttempts: 8,
  timeoutMs: 60_000,
  rateLimit: { max: 100, perMs: 60_000 },
});
