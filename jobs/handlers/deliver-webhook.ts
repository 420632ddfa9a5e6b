import { deliverWebhook } from "~/app/webhooks/deliver.server";
import type { JobHandler } from "~/jobs/registry";
import type { deliverWebhookJob } from "./deliver-webhook.definition";

export const handleDeliverWebhook: JobHandler<typeof deliverWebhookJob.schema> = async (
  payload,
  context,
) => {
  const outcome = await deliverWebhook(context.database, payload.deliveryId, {
    signal: context.signal,
    finalAttempt: context.attempt >= context.maxAttempts,
  });
  context.logger.info({ delivery_id: payload.deliveryId, outcome }, "webhook delivery done");
};
