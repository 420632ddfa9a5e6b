import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Release a loan's payment 7 days after the merchant marked the job complete, unless the borrower
 * released it or reported a problem first (app/lending/release.server.ts, ADR 050). Enqueued with
 * a run-at in the completion's transaction, keyed by the loan: a durable timer that a restart or
 * a crash does not lose; running it twice releases once.
 */
export const autoReleaseJob = defineJob({
  kind: "auto-release",
  schema: z.object({ loanId: z.string().min(1) }),
  priority: jobPriority.createLoan,
  maxAttempts: 8,
  timeoutMs: 30_000,
});
