import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure, parseOr422, readJsonBody } from "~/app/api/body.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { refundForCaller } from "~/app/crm/refunds.server";
import { applicationIdParam, crmJson, idempotencyKeyOf } from "~/app/crm/respond.server";
import { refundRequest } from "~/app/crm/schemas";
import { getDatabase } from "~/app/db.server";

/**
 * POST /api/v1/crm/applications/{id}/refunds (docs/product/merchants-and-money.md): a full or
 * partial refund of a funded loan. `Idempotency-Key` is required — a refund moves money, and a
 * retried request must never refund twice.
 */
export const action = apiHandler(async ({ request, params }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const caller = await requireCrmCaller(request);
  const applicationId = applicationIdParam(params.applicationId);
  const key = idempotencyKeyOf(request);
  if (!key) {
    throw new ApiFailure(
      apiError("bad_request", "An Idempotency-Key header is required to request a refund"),
    );
  }
  const body = await readJsonBody(request);
  const input = parseOr422(refundRequest, body.value);
  const result = await refundForCaller(await getDatabase(), caller, applicationId, input, key);
  return crmJson(
    result.body,
    201,
    caller.rateHeaders,
    result.replayed ? { "Idempotent-Replayed": "true" } : {},
  );
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
