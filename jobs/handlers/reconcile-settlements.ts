import { getEnv } from "~/app/config/env.server";
import { getLenders } from "~/app/lending/lenders.server";
import {
  reconcileSettlementDate,
  scheduleReconciliation,
} from "~/app/lending/reconciliation.server";
import type { JobHandler } from "~/jobs/registry";
import type { reconcileSettlementsJob } from "./reconcile-settlements.definition";

/**
 * The daily run schedules tomorrow's first (so a failing run never ends the chain: its retries
 * replace the pending one with the same), then reconciles `date` for every configured lender.
 * A lender whose report cannot be read fails the job, which retries; lenders already reconciled
 * on an earlier attempt are simply reconciled again (idempotent).
 */
export const handleReconcileSettlements: JobHandler<typeof reconcileSettlementsJob.schema> = async (
  payload,
  context,
) => {
  if (payload.scheduled) {
    await scheduleReconciliation(context.database, getEnv().RECONCILIATION_HOUR_UTC, "replace");
  }
  const lenders = await getLenders();
  for (const name of lenders.names()) {
    const run = await reconcileSettlementDate(context.database, lenders.get(name), payload.date, {
      signal: context.signal,
    });
    context.logger.info({ ...run }, "settlement reconciled");
  }
};
