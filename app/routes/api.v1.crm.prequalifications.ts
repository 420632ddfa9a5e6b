import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { parseOr422, readJsonBody } from "~/app/api/body.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { getDatabase } from "~/app/db.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { requestHash } from "~/app/crm/idempotency.server";
import { crmJson, idempotencyKeyOf } from "~/app/crm/respond.server";
import { prequalificationRequest } from "~/app/crm/schemas";
import { createPrequalification } from "~/app/prequal/prequalifications.server";

/** POST /api/v1/crm/prequalifications (docs/product/merchants-and-money.md, "Prequalification"). */
export const action = apiHandler(async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const caller = await requireCrmCaller(request);
  const key = idempotencyKeyOf(request);
  const body = await readJsonBody(request);
  const input = parseOr422(prequalificationRequest, body.value);
  const result = await createPrequalification(
    await getDatabase(),
    caller,
    input,
    key ? { key, hash: requestHash(body.value) } : null,
  );
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
