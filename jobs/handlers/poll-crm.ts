import { DEFAULT_REFRESH_SKEW_MS } from "~/adapters/oauth/index";
import { getEnv } from "~/app/config/env.server";
import { refreshExpiringConnections } from "~/app/crm-sync/oauth-tokens.server";
import { pollCrm, schedulePoll } from "~/app/crm-sync/poll.server";
import type { JobHandler } from "~/jobs/registry";
import type { pollCrmJob } from "./poll-crm.definition";

/**
 * Reschedules itself first (so a failing poll never ends the chain: its retries reschedule
 * again, replacing the pending one), then polls every connected FieldRoutes office and refreshes
 * the OAuth tokens that would expire before the next poll.
 */
export const handlePollCrm: JobHandler<typeof pollCrmJob.schema> = async (_payload, context) => {
  const intervalMs = getEnv().CRM_POLL_INTERVAL_MS;
  await schedulePoll(context.database, intervalMs, "replace");
  const summary = await pollCrm(context.database, { signal: context.signal });
  const tokens = await refreshExpiringConnections(context.database, {
    horizonMs: intervalMs + DEFAULT_REFRESH_SKEW_MS,
    signal: context.signal,
  });
  context.logger.info({ ...summary, tokens }, "crm poll done");
};
