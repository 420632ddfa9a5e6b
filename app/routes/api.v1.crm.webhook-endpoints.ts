import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { parseOr422, readJsonBody } from "~/app/api/body.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { crmJson } from "~/app/crm/respond.server";
import { getDatabase } from "~/app/db.server";
import { createWebhookEndpoint, listWebhookEndpoints } from "~/app/webhooks/endpoints.server";
import { createWebhookEndpointRequest } from "~/app/webhooks/schemas";

/** docs/product/merchants-and-money.md, "Outbound webhooks": create (the secret shown once) and list. */
export const action = apiHandler(async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["GET", "POST"]);
  const caller = await requireCrmCaller(request);
  const body = await readJsonBody(request);
  const input = parseOr422(createWebhookEndpointRequest, body.value);
  const result = await createWebhookEndpoint(await getDatabase(), caller.merchant.id, input, {
    actorType: "api_key",
    actorId: caller.keyId,
    ip: caller.ip,
    userAgent: caller.userAgent,
  });
  if (!result.ok) {
    return apiError("validation_failed", result.message, {
      details: [{ path: result.field, message: result.message }],
      headers: caller.rateHeaders,
    });
  }
  return crmJson(result.endpoint, 201, caller.rateHeaders);
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) => {
  const caller = await requireCrmCaller(request);
  const data = await listWebhookEndpoints(await getDatabase(), caller.merchant.id);
  return crmJson({ data }, 200, caller.rateHeaders);
});
