import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { cancelApplication } from "~/app/crm/lifecycle.server";
import { applicationIdParam, crmJson } from "~/app/crm/respond.server";
import { getDatabase } from "~/app/db.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";

export const action = apiHandler(async ({ request, params }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const caller = await requireCrmCaller(request);
  const result = await cancelApplication(
    await getDatabase(),
    caller,
    applicationIdParam(params.applicationId),
  );
  businessMetrics.applicationsCanceled.inc();
  return crmJson(result, 200, caller.rateHeaders);
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
