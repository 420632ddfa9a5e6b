import { createLoanForApplication } from "~/app/lending/funding.server";
import { getLenders } from "~/app/lending/lenders.server";
import type { JobHandler } from "~/jobs/registry";
import type { createLoanJob } from "./create-loan.definition";

/**
 * Creates the loan at the merchant's lender (our loan row first, then the lender call with
 * `${loanId}:create`), and enqueues the disbursement. A lender outage only delays the job.
 */
export const handleCreateLoan: JobHandler<typeof createLoanJob.schema> = async (
  payload,
  context,
) => {
  const step = await createLoanForApplication(
    context.database,
    await getLenders(),
    payload.applicationId,
    { signal: context.signal },
  );
  context.logger.info({ application_id: payload.applicationId, ...step }, "create-loan done");
};
