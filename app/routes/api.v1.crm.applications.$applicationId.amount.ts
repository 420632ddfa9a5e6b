import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { parseOr422, readJsonBody } from "~/app/api/body.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { changeAmountForCaller } from "~/app/crm/amount.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { applicationIdParam, crmJson } from "~/app/crm/respond.server";
import { amountChangeRequest } from "~/app/crm/schemas";
import { getDatabase } from "~/app/db.server";

/**
 * POST /api/v1/crm/applications/{id}/amount (docs/product/merchants-and-money.md): a new amount
 * before the money moves — re-priced and re-signed within the approval, decided again above it.
 * Repeating the same amount changes nothing (`outcome: "unchanged"`).
 */
export const action = apiHandler(async ({ request, params }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const caller = await requireCrmCaller(request);
  const applicationId = applicationIdParam(params.applicationId);
  const body = await readJsonBody(request);
  const input = parseOr422(amountChangeRequest, body.value);
  const result = await changeAmountForCaller(
    await getDatabase(),
    caller,
    applicationId,
    input.amount_cents,
  );
  return crmJson(result, 200, caller.rateHeaders);
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
