import { z } from "zod";
import { defineJob, jobPriority } from "../registry";

/** Deliver one recorded text message (app/messaging/sms.server.ts). */
export const sendSmsJob = defineJob({
  kind: "send-sms",
  schema: z.object({ messageId: z.string().min(1) }),
  priority: jobPriority.notification,
  maxAttempts: 6,
  timeoutMs: 30_000,
  // Twilio's default is about one message a second per long code; stay well inside it.
  rateLimit: { max: 60, perMs: 60_000 },
});
