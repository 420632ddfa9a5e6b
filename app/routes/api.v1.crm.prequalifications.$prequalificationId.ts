import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { conditionalCrmJson } from "~/app/crm/respond.server";
import { getDatabase } from "~/app/db.server";
import {
  prequalificationIdParam,
  prequalificationView,
} from "~/app/prequal/prequalifications.server";

/**
 * The prequalification's status resource: no reasons (the merchant is not the creditor). Read
 * budget and `ETag`/`304` as for an application (ADR 028).
 */
export const loader = apiHandler(async ({ request, params }: LoaderFunctionArgs) => {
  const caller = await requireCrmCaller(request, { conditionalRead: true });
  const id = prequalificationIdParam(params.prequalificationId);
  const view = await prequalificationView(await getDatabase(), caller.merchant.id, id);
  if (!view) {
    return apiError("not_found", `No prequalification ${id}`, { headers: await caller.charge() });
  }
  return conditionalCrmJson(request, caller, JSON.stringify(view));
});

export const action = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["GET"]),
);
