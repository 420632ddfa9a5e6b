import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { readJsonBody } from "~/app/api/body.server";
import { apiError, apiJson } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { receivePersonaWebhook } from "~/app/borrower/webhooks-persona.server";
import { getDatabase } from "~/app/db.server";

/**
 * Persona webhooks: Persona-Signature checked against either webhook secret (unsigned, forged or
 * stale → 401, nothing stored); a signed event that is not about an inquiry → 200, ignored (or
 * Persona would retry it); an inquiry event stored once (a replay → 200, nothing done twice) and
 * applied by the apply-kyc-event job, enqueued in the same transaction.
 */
export const action = apiHandler(async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const { raw } = await readJsonBody(request);
  const outcome = await receivePersonaWebhook(
    await getDatabase(),
    raw,
    request.headers.get("persona-signature"),
  );
  switch (outcome.kind) {
    case "rejected":
      return apiError("unauthorized", "Invalid or stale Persona-Signature");
    case "ignored":
      return apiJson({ status: "ignored" });
    case "replayed":
      return apiJson({ status: "duplicate" });
    case "accepted":
      return apiJson({ status: "accepted" });
  }
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
