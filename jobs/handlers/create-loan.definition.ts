import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Create the loan at the lender for an accepted offer (app/lending/funding.server.ts); the
 * disbursement is its own job kind (request-disbursement), enqueued once the lender has the loan.
 * Priority 1; lender calls are rate limited across all processes.
 */
export const createLoanJob = defineJob({
  kind: "create-loan",
  schema: z.object({ applicationId: z.string().min(1) }),
  priority: jobPriority.createLoan,
  maxAttempts: 8,
  timeoutMs: 60_000,
  rateLimit: { max: 100, perMs: 60_000 },
});
