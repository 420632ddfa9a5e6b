import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/api/route.server";
import { applicationView } from "~/crm/applications.server";
import { requireCrmCaller } from "~/crm/guard.server";
import { merchantScope } from "~/crm/merchant-scope.server";
import { applicationIdParam, crmJson } from "~/crm/respond.server";
import { getDatabase } from "~/db.server";

export const loader = apiHandler(async ({ request, params }: LoaderFunctionArgs) => {
  const caller = await requireCrmCaller(request);
  const id = applicationIdParam(params.applicationId);
  const view = await applicationView(await getDatabase(), merchantScope(caller.merchant.id), id);
  if (!view) return apiError("not_found", `No application ${id}`, { headers: caller.rateHeaders });
  return crmJson(view, 200, caller.rateHeaders);
});

export const action = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["GET"]),
);
