import { decide } from "~/decisioning/decide.server";
import { notifyDecision } from "~/borrower/notifications.server";
import type { JobHandler } from "../registry";
import type { decideApplicationJob } from "./decide-application.definition";

/** decide() is idempotent (an application already decided returns its decision), and so is the notice. */
export const handleDecideApplication: JobHandler<typeof decideApplicationJob.schema> = async (
  payload,
  context,
) => {
  const outcome = await decide(context.database, payload.applicationId);
  await notifyDecision(context.database, payload.applicationId, outcome.decisionId);
  context.logger.info(
    { application_id: payload.applicationId, status: outcome.status },
    "application decided",
  );
};
