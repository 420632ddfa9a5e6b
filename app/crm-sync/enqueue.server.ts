import type { AnyTx } from "~/db/sql-tx";
import { enqueue, enqueueSteps } from "~/jobs/enqueue.server";
import { syncToCrmJob, type CrmSyncEvent } from "~/jobs/handlers/sync-to-crm.definition";

/**
 * Enqueues the CRM write-back of one status change, in the caller's transaction (so it exists
 * exactly when the change commits). Keyed by application and event: a second enqueue while one
 * is pending is a no-op, and the note written carries a marker derived from the same pair, so
 * even a second run writes nothing twice.
 */
export function enqueueCrmSync(tx: AnyTx, applicationId: string, event: CrmSyncEvent) {
  return enqueue(
    tx,
    syncToCrmJob,
    { applicationId, event },
    { key: `${applicationId}:${event}`, keyMode: "dedupe" },
  );
}

/** The same as write-program steps (ADR 019). */
export function crmSyncSteps(applicationId: string, event: CrmSyncEvent) {
  return enqueueSteps(
    syncToCrmJob,
    { applicationId, event },
    { key: `${applicationId}:${event}`, keyMode: "dedupe" },
  );
}
