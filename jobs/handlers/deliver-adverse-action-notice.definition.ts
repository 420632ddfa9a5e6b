import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * Deliver an application's adverse action notice: the PDF kept in `documents`, `sent_at`, and
 * the e-mail carrying it (app/borrower/notice-delivery.server.ts). Enqueued in the transaction
 * that records the decline and its notice — by decide() and by a decline after manual review —
 * with app/decisioning/adverse-action.server.ts `enqueueNoticeDelivery` (job key per
 * application, dedupe), so a committed decline always has its delivery waiting (ADR 016).
 */
export const deliverAdverseActionNoticeJob = defineJob({
  kind: "deliver-adverse-action-notice",
  schema: z.object({ applicationId: z.string().min(1) }),
  priority: jobPriority.notification,
  maxAttempts: 8,
  // Rendering one PDF and one short write transaction.
  timeoutMs: 60_000,
});
