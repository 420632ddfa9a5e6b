import { sendRefundToLender } from "~/app/lending/refunds.server";
import { getLenders } from "~/app/lending/lenders.server";
import type { JobHandler } from "~/jobs/registry";
import type { requestRefundJob } from "./request-refund.definition";

/** Asks the lender to refund with `${refundId}:refund`; its loan.refunded completes the refund. */
export const handleRequestRefund: JobHandler<typeof requestRefundJob.schema> = async (
  payload,
  context,
) => {
  const step = await sendRefundToLender(context.database, await getLenders(), payload.refundId, {
    signal: context.signal,
  });
  context.logger.info({ refund_id: payload.refundId, ...step }, "request-refund done");
};
