import { z } from "zod";
import { defineJob, jobPriority } from "~/jobs/registry";

/** Send one recorded e-mail (messages row, channel "email") with its attachment, if any. */
export const sendEmailJob = defineJob({
  kind: "send-email",
  schema: z.object({ messageId: z.string().min(1) }),
  priority: jobPriority.notification,
  maxAttempts: 6,
  timeoutMs: 60_000,
});
