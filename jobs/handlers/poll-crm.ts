import { getEnv } from "~/config/env.server";
import { pollCrm, schedulePoll } from "~/crm-sync/poll.server";
import type { JobHandler } from "../registry";
import type { pollCrmJob } from "./poll-crm.definition";

/**
 * Reschedules itself first (so a failing poll never ends the chain: its retries reschedule
 * again, replacing the pending one), then polls every connected FieldRoutes office.
 */
export const handlePollCrm: JobHandler<typeof pollCrmJob.schema> = async (_payload, context) => {
  await schedulePoll(context.database, getEnv().CRM_POLL_INTERVAL_MS, "replace");
  const summary = await pollCrm(context.database, { signal: context.signal });
  context.logger.info(summary, "crm poll done");
};
