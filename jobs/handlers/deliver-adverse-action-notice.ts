import { deliverAdverseActionNotice } from "~/app/borrower/notice-delivery.server";
import type { JobHandler } from "~/jobs/registry";
import type { deliverAdverseActionNoticeJob } from "./deliver-adverse-action-notice.definition";

/**
 * deliverAdverseActionNotice is idempotent (`sent_at` is set once, in the transaction that stores
 * the PDF and queues the e-mail), so a retry after a crash, or a second job, sends nothing twice.
 */
export const handleDeliverAdverseActionNotice: JobHandler<
  typeof deliverAdverseActionNoticeJob.schema
> = async (payload, context) => {
  const delivery = await deliverAdverseActionNotice(context.database, payload.applicationId);
  const log = { application_id: payload.applicationId, outcome: delivery.outcome };
  if (delivery.outcome === "no_notice") {
    // Enqueued with the notice, so this means the application or its notice is gone.
    context.logger.warn(log, "adverse action notice job: no notice to deliver");
  } else {
    context.logger.info(log, "adverse action notice job done");
  }
};
