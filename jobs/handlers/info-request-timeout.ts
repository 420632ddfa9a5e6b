import { timeOutInfoRequest } from "~/app/ops/info-requests.server";
import type { JobHandler } from "~/jobs/registry";
import type { infoRequestTimeoutJob } from "./info-request-timeout.definition";

/** Returns an unanswered information request's review to the queue (ADR 076). */
export const handleInfoRequestTimeout: JobHandler<typeof infoRequestTimeoutJob.schema> = async (
  payload,
  context,
) => {
  const outcome = await timeOutInfoRequest(context.database, payload.requestId);
  context.logger.info({ request_id: payload.requestId, outcome }, "info request timeout done");
};
