import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Recompute an inquiry's identity status from every stored Persona event of it (deduped by
 * event id, ordered by created-at) and apply it to the application. Enqueued by the Persona
 * webhook route, keyed by inquiry (dedupe: one pending job reads all events there are). Runs
 * ahead of background work: it is local and cheap, and a waiting decision may read its result.
 */
export const applyKycEventJob = defineJob({
  kind: "apply-kyc-event",
  schema: z.object({ inquiryId: z.string().min(1) }),
  priority: jobPriority.createLoan,
  maxAttempts: 5,
  timeoutMs: 30_000,
});
