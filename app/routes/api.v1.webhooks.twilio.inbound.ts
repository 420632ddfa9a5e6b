import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { getDatabase } from "~/app/db.server";
import { handleInbound, verifiedTwilioParams } from "~/app/messaging/webhooks.server";

/**
 * Inbound texts (STOP/START/HELP…). Replies go out through the outbox like every other text,
 * so the TwiML answer is empty.
 */
export const action = apiHandler(async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const { valid, params } = await verifiedTwilioParams(request);
  if (!valid) return apiError("unauthorized", "Invalid X-Twilio-Signature");
  await handleInbound(await getDatabase(), params);
  return new Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', {
    headers: { "Content-Type": "text/xml; charset=utf-8" },
  });
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
