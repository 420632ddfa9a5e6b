import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { asLowAsBody, asLowAsForMerchant, parseAmountCents } from "~/app/crm/as-low-as.server";
import { requireCrmCaller } from "~/app/crm/guard.server";
import { crmJson } from "~/app/crm/respond.server";
import { getDatabase } from "~/app/db.server";

/** GET /api/v1/crm/as-low-as?amount_cents=… — the merchant's "as low as" price for an estimate. */
export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) => {
  const caller = await requireCrmCaller(request);
  const amount = parseAmountCents(new URL(request.url).searchParams.get("amount_cents"));
  if (!amount.ok) {
    return apiError("validation_failed", amount.message, {
      details: [{ path: "amount_cents", message: amount.message }],
      headers: caller.rateHeaders,
    });
  }
  const outcome = await asLowAsForMerchant(await getDatabase(), caller.merchant, amount.cents);
  if (!outcome) {
    return apiError("unavailable", "No pricing is published yet", { headers: caller.rateHeaders });
  }
  if (!outcome.ok) {
    const message = `amount_cents must be between ${outcome.minAmountCents} and ${outcome.maxAmountCents} for this merchant`;
    return apiError("validation_failed", message, {
      details: [{ path: "amount_cents", message }],
      headers: caller.rateHeaders,
    });
  }
  return crmJson(asLowAsBody(outcome.value), 200, caller.rateHeaders);
});

export const action = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["GET"]),
);
