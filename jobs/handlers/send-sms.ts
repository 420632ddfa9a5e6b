import { deliverSms } from "~/app/messaging/sms.server";
import { getSmsAdapter, statusCallbackUrl } from "~/app/messaging/sms-adapter.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import type { JobHandler } from "~/jobs/registry";
import type { sendSmsJob } from "./send-sms.definition";

/** Delivers one recorded text; the job's idempotency key goes to the SMS adapter. */
export const handleSendSms: JobHandler<typeof sendSmsJob.schema> = async (payload, context) => {
  const adapter = getSmsAdapter();
  const result = await deliverSms(context.database, adapter, payload.messageId, {
    idempotencyKey: context.idempotencyKey,
    signal: context.signal,
    statusCallbackUrl: adapter.name === "twilio" ? statusCallbackUrl() : undefined,
  });
  businessMetrics.smsDelivery.inc({ outcome: result.outcome });
  // The sandbox's "sent" texts are readable at /dev/messages; logs carry no number or body.
  context.logger.info(
    { message_id: payload.messageId, outcome: result.outcome, adapter: adapter.name },
    "sms job done",
  );
};
