import { requestLoanDisbursement } from "~/app/lending/funding.server";
import { getLenders } from "~/app/lending/lenders.server";
import type { JobHandler } from "~/jobs/registry";
import type { requestDisbursementJob } from "./request-disbursement.definition";

/** Asks the lender to pay the merchant (amount − merchant fee) with `${loanId}:disburse`. */
export const handleRequestDisbursement: JobHandler<typeof requestDisbursementJob.schema> = async (
  payload,
  context,
) => {
  const step = await requestLoanDisbursement(context.database, await getLenders(), payload.loanId, {
    signal: context.signal,
    ...(payload.part ? { part: payload.part } : {}),
  });
  context.logger.info({ loan_id: payload.loanId, ...step }, "request-disbursement done");
};
