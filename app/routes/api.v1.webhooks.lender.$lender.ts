import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiError, apiJson } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { getDatabase } from "~/app/db.server";
import { getLenders } from "~/app/lending/lenders.server";
import { readRawBody, receiveLenderWebhook } from "~/app/lending/webhook.server";

/** Lender webhooks: X-Lender-Signature checked over the raw body, stored once, applied by a job. */
export const action = apiHandler(async ({ request, params }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const rawBody = await readRawBody(request);
  if (rawBody === null) return apiError("bad_request", "Body is larger than 64 KiB");
  const receipt = await receiveLenderWebhook(await getDatabase(), await getLenders(), {
    lender: params.lender ?? "",
    rawBody,
    signature: request.headers.get("x-lender-signature"),
  });
  switch (receipt.kind) {
    case "unknown_lender":
      return apiError("not_found", `No lender ${JSON.stringify(params.lender ?? "")}`);
    case "unauthorized":
      return apiError("unauthorized", "Missing, invalid or stale X-Lender-Signature");
    case "stored":
    case "replayed":
      return apiJson({
        received: true,
        event_id: receipt.eventId,
        replayed: receipt.kind === "replayed",
      });
  }
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
