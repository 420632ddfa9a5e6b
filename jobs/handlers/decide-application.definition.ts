import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Decide a submitted application (bureau pull, rules, offers). The borrower is waiting on the
 * pending page, so it runs ahead of background work; bureau outages are retried by the
 * adapter first, and decide() itself routes a lasting outage to manual review.
 */
export const decideApplicationJob = defineJob({
  kind: "decide-application",
  schema: z.object({ applicationId: z.string().min(1) }),
  priority: jobPriority.createLoan,
  maxAttempts: 5,
  timeoutMs: 60_000,
});
