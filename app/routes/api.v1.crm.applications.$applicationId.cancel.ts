import { cancelApplication } from "~/app/crm/lifecycle.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { crmPost, crmPostOnly } from "~/app/crm/post.server";

export const action = crmPost(
  { applicationId: true, idempotency: "none" },
  async ({ database, caller, applicationId }) => {
    const body = await cancelApplication(database, caller, applicationId);
    businessMetrics.applicationsCanceled.inc();
    return { body, status: 200 };
  },
);

export const loader = crmPostOnly;
