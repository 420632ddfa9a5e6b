import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/** The status changes a technician sees in the CRM (app/crm-sync/events.ts writes their text). */
export const crmSyncEvents = [
  "link_sent",
  "approved",
  "declined",
  "manual_review",
  "signed",
  "funded",
  "canceled",
  "lender_declined",
  "lender_rerouted",
  "awaiting_completion",
  "released",
  "partially_refunded",
  "refunded",
] as const;
export type CrmSyncEvent = (typeof crmSyncEvents)[number];

/**
 * Write one status change back to the merchant's CRM (a FieldRoutes note on the customer and a
 * line appended to the appointment's notes). Priority 2: after loan work, before notifications.
 * Enqueue it with app/crm-sync/enqueue.server.ts (job key per application and event).
 */
export const syncToCrmJob = defineJob({
  kind: "sync-to-crm",
  schema: z.object({ applicationId: z.string().min(1), event: z.enum(crmSyncEvents) }),
  priority: jobPriority.syncToCrm,
  maxAttempts: 8,
  // Up to five FieldRoutes calls (note search + get + create, appointment get + update).
  timeoutMs: 120_000,
  // FieldRoutes offices have small quotas: stay gentle across all processes.
  rateLimit: { max: 120, perMs: 60_000 },
});
