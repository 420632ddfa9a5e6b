import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * FieldRoutes cannot push: this job re-reads the appointments of open applications of every
 * connected office and repairs a missing FlowPay status line (app/crm-sync/poll.server.ts).
 * It reschedules itself (job key "schedule", runAt + CRM_POLL_INTERVAL_MS) when it starts, so
 * exactly one is pending at any time; boot enqueues the first one.
 */
export const pollCrmJob = defineJob({
  kind: "poll-crm",
  schema: z.object({}),
  priority: jobPriority.notification,
  maxAttempts: 3,
  timeoutMs: 240_000,
});
