import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/** Deliver one recorded text message (app/messaging/sms.server.ts). */
export const sendSmsJob = defineJob({
  kind: "send-sms",
  schema: z.object({ messageId: z.string().min(1) }),
  priority: jobPriority.notification,
  maxAttempts: 6,
  timeoutMs: 30_000,
  // A long code's rate; jobs/start.server.ts sets the configured sender's (jobs/throughput.ts).
  rateLimit: { max: 60, perMs: 60_000 },
});
