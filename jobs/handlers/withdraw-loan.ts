import { withdrawAtLender } from "~/app/lending/cancel.server";
import { getLenders } from "~/app/lending/lenders.server";
import type { JobHandler } from "~/jobs/registry";
import type { withdrawLoanJob } from "./withdraw-loan.definition";

/** Withdraws the canceled loan at its lender with `${loanId}:withdraw`. */
export const handleWithdrawLoan: JobHandler<typeof withdrawLoanJob.schema> = async (
  payload,
  context,
) => {
  const step = await withdrawAtLender(context.database, await getLenders(), payload.loanId, {
    signal: context.signal,
    ...(payload.superseded ? { superseded: payload.superseded } : {}),
  });
  context.logger.info({ loan_id: payload.loanId, ...step }, "withdraw-loan done");
};
