import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiJson } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { signedWebhookAction } from "~/app/api/signed-webhook.server";
import { receivePersonaWebhook } from "~/app/borrower/webhooks-persona.server";

/**
 * Persona webhooks: Persona-Signature checked against either webhook secret (unsigned, forged or
 * stale → 401, nothing stored); a signed event that is not about an inquiry → 200, ignored (or
 * Persona would retry it); an inquiry event stored once (a replay → 200, nothing done twice) and
 * applied by the apply-kyc-event job, enqueued in the same transaction.
 */
export const action = signedWebhookAction(
  "Persona-Signature",
  receivePersonaWebhook,
  // A signed event that is not about an inquiry.
  () => apiJson({ status: "ignored" }),
);

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
