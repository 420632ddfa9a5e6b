import { offerFinancing } from "~/app/crm/offer-financing.server";
import { offerFinancingRequest } from "~/app/crm/schemas";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { crmPost, crmPostOnly } from "~/app/crm/post.server";

export const action = crmPost(
  { schema: offerFinancingRequest },
  async ({ database, caller, input, idempotency }) => {
    const result = await offerFinancing(database, caller, input, idempotency);
    if (result.replayed) businessMetrics.idempotentReplays.inc();
    else if (!result.duplicate) businessMetrics.applicationsCreated.inc({ crm: input.crm });
    return result;
  },
);

export const loader = crmPostOnly;
