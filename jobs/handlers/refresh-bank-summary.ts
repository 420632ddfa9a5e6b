import { refreshBankSummary } from "~/app/borrower/webhooks-plaid.server";
import type { JobHandler } from "~/jobs/registry";
import type { refreshBankSummaryJob } from "./refresh-bank-summary.definition";

/** Idempotent: it stores whatever Plaid reports now, so a re-run stores the same summary again. */
export const handleRefreshBankSummary: JobHandler<typeof refreshBankSummaryJob.schema> = async (
  payload,
  context,
) => {
  const result = await refreshBankSummary(context.database, payload, context.signal);
  context.logger.info(
    { application_id: payload.applicationId, ...result },
    "bank summary refresh done",
  );
};
