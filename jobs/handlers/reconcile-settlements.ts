import { getEnv } from "~/app/config/env.server";
import { getLenders } from "~/app/lending/lenders.server";
import {
  lastReconciledDate,
  reconcileSettlementDate,
  scheduleReconciliation,
} from "~/app/lending/reconciliation.server";
import { datesToReconcile } from "~/app/lending/settlement-schedule";
import { isPermanentError, permanent } from "~/jobs/errors";
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
  // Every lender is tried: one whose report cannot be read does not keep the others from being
  // reconciled. The job then fails (a retry reconciles them all again, idempotently), and it is
  // permanent only if every failure is.
  const failures: unknown[] = [];
  for (const name of lenders.names()) {
    try {
      // The daily run also catches up the days no run covered (the service was down).
      const dates = payload.scheduled
        ? datesToReconcile(
            await lastReconciledDate(context.database, name, payload.date),
            payload.date,
          )
        : [payload.date];
      for (const date of dates) {
        const run = await reconcileSettlementDate(context.database, lenders.get(name), date, {
          signal: context.signal,
        });
        context.logger.info({ ...run }, "settlement reconciled");
      }
    } catch (error) {
      context.logger.warn({ err: error, lender: name }, "settlement report not reconciled");
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const error = new AggregateError(failures, `${failures.length} lenders not reconciled`);
    if (failures.every(isPermanentError)) throw permanent(error);
    throw error;
  }
};
