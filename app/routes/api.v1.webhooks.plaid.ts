import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { signedWebhookAction } from "~/app/api/signed-webhook.server";
import { receivePlaidWebhook } from "~/app/borrower/webhooks-plaid.server";

/**
 * Plaid webhooks: Plaid-Verification checked (unsigned, forged or stale → 401, nothing stored),
 * the event stored once (a re-delivery → 200, nothing done twice), its work enqueued in the same
 * transaction. When Plaid's verification key cannot be fetched the answer is 503, so Plaid
 * delivers the webhook again later.
 */
export const action = signedWebhookAction("Plaid-Verification", receivePlaidWebhook, () =>
  apiError("unavailable", "Plaid's webhook verification key could not be fetched; deliver again", {
    headers: { "Retry-After": "60" },
  }),
);

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
