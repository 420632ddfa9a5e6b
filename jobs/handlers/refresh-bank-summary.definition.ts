import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Summarise a linked bank item again after Plaid says it has new transactions (webhook
 * TRANSACTIONS SYNC_UPDATES_AVAILABLE / HISTORICAL_UPDATE), while the application is still in
 * progress or submitted. Enqueued by the Plaid webhook route, keyed by application (dedupe).
 */
export const refreshBankSummaryJob = defineJob({
  kind: "refresh-bank-summary",
  schema: z.object({ applicationId: z.string().min(1), itemId: z.string().min(1) }),
  priority: jobPriority.notification,
  maxAttempts: 6,
  timeoutMs: 60_000,
});
