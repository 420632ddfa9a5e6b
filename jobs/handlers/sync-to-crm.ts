import { syncApplicationToCrm } from "~/app/crm-sync/sync.server";
import type { JobHandler } from "~/jobs/registry";
import type { syncToCrmJob } from "./sync-to-crm.definition";

/** Writes one status change into the merchant's CRM (note + appointment line, each once). */
export const handleSyncToCrm: JobHandler<typeof syncToCrmJob.schema> = async (payload, context) => {
  const outcome = await syncApplicationToCrm(context.database, payload, { signal: context.signal });
  context.logger.info(
    { application_id: payload.applicationId, event: payload.event, ...outcome },
    "crm sync done",
  );
};
