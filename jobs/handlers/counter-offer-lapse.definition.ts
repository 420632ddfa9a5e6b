import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * A counter-offer the borrower neither signed nor declined in 30 days lapses as declined, with
 * its adverse action notice (app/ops/counter-offer.server.ts, ADR 077). Enqueued with a run-at in
 * the counter-offer's transaction, keyed by it; running it after an answer, or twice, changes
 * nothing.
 */
export const counterOfferLapseJob = defineJob({
  kind: "counter-offer-lapse",
  schema: z.object({ counterOfferId: z.string().min(1) }),
  priority: jobPriority.syncToCrm,
  maxAttempts: 8,
  timeoutMs: 30_000,
});
