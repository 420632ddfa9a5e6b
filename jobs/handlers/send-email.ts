import { deliverEmail, getEmailAdapter } from "~/app/messaging/email.server";
import type { JobHandler } from "~/jobs/registry";
import type { sendEmailJob } from "./send-email.definition";

export const handleSendEmail: JobHandler<typeof sendEmailJob.schema> = async (payload, context) => {
  const adapter = getEmailAdapter();
  const result = await deliverEmail(context.database, adapter, payload.messageId, {
    idempotencyKey: context.idempotencyKey,
    signal: context.signal,
  });
  context.logger.info(
    { message_id: payload.messageId, outcome: result.outcome, adapter: adapter.name },
    "email job done",
  );
};
