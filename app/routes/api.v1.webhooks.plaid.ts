import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { readJsonBody } from "~/app/api/body.server";
import { apiError, apiJson } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { receivePlaidWebhook } from "~/app/borrower/webhooks-plaid.server";
import { getDatabase } from "~/app/db.server";

/**
 * Plaid webhooks: Plaid-Verification checked (unsigned, forged or stale → 401, nothing stored),
 * the event stored once (a re-delivery → 200, nothing done twice), its work enqueued in the same
 * transaction. When Plaid's verification key cannot be fetched the answer is 503, so Plaid
 * delivers the webhook again later.
 */
export const action = apiHandler(async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const { raw } = await readJsonBody(request);
  const outcome = await receivePlaidWebhook(
    await getDatabase(),
    raw,
    request.headers.get("plaid-verification"),
  );
  switch (outcome.kind) {
    case "rejected":
      return apiError("unauthorized", "Invalid or stale Plaid-Verification");
    case "unavailable":
      return apiError(
        "unavailable",
        "Plaid's webhook verification key could not be fetched; deliver again",
        { headers: { "Retry-After": "60" } },
      );
    case "replayed":
      return apiJson({ status: "duplicate" });
    case "accepted":
      return apiJson({ status: "accepted" });
  }
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
