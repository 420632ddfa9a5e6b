import { enqueueCrmSync } from "~/crm-sync/enqueue.server";
import { decide } from "~/decisioning/decide.server";
import { deliverAdverseActionNotice } from "~/borrower/notice-delivery.server";
import { notifyDecision } from "~/borrower/notifications.server";
import type { JobHandler } from "../registry";
import type { decideApplicationJob } from "./decide-application.definition";

/**
 * decide() is idempotent (an application already decided returns its decision), and so are the
 * decision text and the adverse action notice of a decline.
 */
export const handleDecideApplication: JobHandler<typeof decideApplicationJob.schema> = async (
  payload,
  context,
) => {
  const outcome = await decide(context.database, payload.applicationId);
  await notifyDecision(context.database, payload.applicationId, outcome.decisionId);
  await context.database.write((tx) => enqueueCrmSync(tx, payload.applicationId, outcome.status));
  if (outcome.status === "declined") {
    await deliverAdverseActionNotice(context.database, payload.applicationId);
  }
  context.logger.info(
    { application_id: payload.applicationId, status: outcome.status },
    "application decided",
  );
};
