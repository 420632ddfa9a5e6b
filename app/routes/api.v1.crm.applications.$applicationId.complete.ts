import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { completeForCaller } from "~/app/crm/completion.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { applicationIdParam, crmJson, idempotencyKeyOf } from "~/app/crm/respond.server";
import { getDatabase } from "~/app/db.server";

/**
 * POST /api/v1/crm/applications/{id}/complete (docs/product/merchants-and-money.md): the job is
 * done; the borrower is asked to release the payment (ADR 050). 409 `invalid_state` unless the
 * application is `awaiting_completion`.
 */
export const action = apiHandler(async ({ request, params }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const caller = await requireCrmCaller(request);
  const applicationId = applicationIdParam(params.applicationId);
  const key = idempotencyKeyOf(request);
  const result = await completeForCaller(await getDatabase(), caller, applicationId, key);
  return crmJson(
    result.body,
    result.status,
    caller.rateHeaders,
    result.replayed ? { "Idempotent-Replayed": "true" } : {},
  );
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
