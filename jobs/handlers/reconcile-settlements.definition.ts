import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * The daily reconciliation (app/lending/reconciliation.server.ts, ADR 056): fetches each
 * configured lender's settlement report of `date` and compares it with the ledger; every
 * difference becomes a FlowOps item. `scheduled`: the daily chain (job key "daily"), which
 * schedules the next day's run before it works, so exactly one is pending at any time; boot
 * enqueues the first one. Without it: a run asked for from FlowOps (job key "manual:<date>").
 */
export const reconcileSettlementsJob = defineJob({
  kind: "reconcile-settlements",
  schema: z.object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    scheduled: z.boolean().default(false),
  }),
  priority: jobPriority.notification,
  maxAttempts: 8,
  timeoutMs: 120_000,
});
