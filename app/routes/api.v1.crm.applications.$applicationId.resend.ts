import { resendLink } from "~/app/crm/lifecycle.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { crmPost, crmPostOnly } from "~/app/crm/post.server";

export const action = crmPost(
  { applicationId: true, idempotency: "none" },
  async ({ database, caller, applicationId }) => {
    const body = await resendLink(database, caller, applicationId);
    businessMetrics.linksResent.inc();
    return { body, status: 202 };
  },
);

export const loader = crmPostOnly;
