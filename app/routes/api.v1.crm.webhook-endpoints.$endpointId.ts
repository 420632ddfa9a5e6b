import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { getDatabase } from "~/app/db.server";
import { deleteWebhookEndpoint } from "~/app/webhooks/endpoints.server";

/** `DELETE /api/v1/crm/webhook-endpoints/{id}` → 204; another merchant's id is simply not found. */
export const action = apiHandler(async ({ request, params }: ActionFunctionArgs) => {
  if (request.method !== "DELETE") return methodNotAllowed(request, ["DELETE"]);
  const caller = await requireCrmCaller(request);
  const id = params.endpointId ?? "";
  const deleted = /^whe_[0-9a-z]{26}$/.test(id)
    ? await deleteWebhookEndpoint(await getDatabase(), caller.merchant.id, id, {
        actorType: "api_key",
        actorId: caller.keyId,
        ip: caller.ip,
        userAgent: caller.userAgent,
      })
    : false;
  if (!deleted) {
    return apiError("not_found", `No webhook endpoint ${id}`.trim(), {
      headers: caller.rateHeaders,
    });
  }
  return new Response(null, { status: 204, headers: caller.rateHeaders });
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["DELETE"]),
);
