import { applyLenderEvent } from "~/app/lending/events.server";
import type { JobHandler } from "~/jobs/registry";
import type { applyLenderEventJob } from "./apply-lender-event.definition";

/** Applies one stored, verified lender event (loan.funded, loan.canceled, …). */
export const handleApplyLenderEvent: JobHandler<typeof applyLenderEventJob.schema> = async (
  payload,
  context,
) => {
  const outcome = await applyLenderEvent(context.database, payload);
  context.logger.info(
    { lender: payload.lender, event_id: payload.eventId, ...outcome },
    "lender event applied",
  );
};
