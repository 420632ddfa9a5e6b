import { enqueueCrmSync } from "~/app/crm-sync/enqueue.server";
import { decide } from "~/app/decisioning/decide.server";
import { notifyDecision } from "~/app/borrower/notifications.server";
import type { JobHandler } from "~/jobs/registry";
import type { decideApplicationJob } from "./decide-application.definition";

/**
 * decide() is idempotent (an application already decided returns its decision), and so is the
 * decision text. A decline's adverse action notice is delivered by its own job
 * (`deliver-adverse-action-notice`), which decide() enqueues with the decision.
 */
export const handleDecideApplication: JobHandler<typeof decideApplicationJob.schema> = async (
  payload,
  context,
) => {
  const outcome = await decide(context.database, payload.applicationId);
  await notifyDecision(context.database, payload.applicationId, outcome.decisionId);
  await context.database.write((tx) => enqueueCrmSync(tx, payload.applicationId, outcome.status));
  context.logger.info(
    { application_id: payload.applicationId, status: outcome.status },
    "application decided",
  );
};
