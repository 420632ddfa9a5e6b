import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/**
 * POST one merchant event to one endpoint (app/webhooks/deliver.server.ts). The jobs are
 * written by a database trigger in the transaction of the change (migration 0022, ADR 063),
 * which repeats this kind, priority and maxAttempts (app/webhooks/triggers.test.ts checks
 * them). maxAttempts is only a backstop: the handler stops retrying 3 days after the event
 * (docs/product/merchants-and-money.md), about 20 attempts on the outbox's backoff.
 */
export const deliverWebhookJob = defineJob({
  kind: "deliver-webhook",
  schema: z.object({ deliveryId: z.string().min(1) }),
  priority: jobPriority.notification,
  maxAttempts: 1000,
  // DNS, the receiver's 10 s and the outcome's write; short, so a lease (and the wait for a
  // crashed worker's job) can be short too.
  timeoutMs: 15_000,
});
