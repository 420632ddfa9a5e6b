import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { applicationView } from "~/app/crm/applications.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { merchantScope } from "~/app/crm/merchant-scope.server";
import { applicationIdParam, conditionalCrmJson } from "~/app/crm/respond.server";
import { getDatabase } from "~/app/db.server";

/**
 * The status resource. Reads have their own budget, and a CRM that polls sends the last `ETag`
 * back in `If-None-Match`: while nothing changed it gets `304` with no body, which costs none of
 * that budget (ADR 028).
 */
export const loader = apiHandler(async ({ request, params }: LoaderFunctionArgs) => {
  // Charged below, when it answers: a 304 costs no read budget.
  const caller = await requireCrmCaller(request, { conditionalRead: true });
  const id = applicationIdParam(params.applicationId);
  const view = await applicationView(await getDatabase(), merchantScope(caller.merchant.id), id);
  if (!view) {
    return apiError("not_found", `No application ${id}`, { headers: await caller.charge() });
  }
  return conditionalCrmJson(request, caller, JSON.stringify(view));
});

export const action = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["GET"]),
);
