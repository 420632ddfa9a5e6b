import { applyKycEvents } from "~/app/borrower/webhooks-persona.server";
import type { JobHandler } from "~/jobs/registry";
import type { applyKycEventJob } from "./apply-kyc-event.definition";

/** Idempotent: the status is recomputed from all stored events each time. */
export const handleApplyKycEvent: JobHandler<typeof applyKycEventJob.schema> = async (
  payload,
  context,
) => {
  const result = await applyKycEvents(context.database, payload.inquiryId);
  context.logger.info({ inquiry_id: payload.inquiryId, ...result }, "KYC events applied");
};
