import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { getDatabase } from "~/app/db.server";
import { handleStatusCallback, verifiedTwilioParams } from "~/app/messaging/webhooks.server";

/** Twilio delivery reports: signature checked, stored once, applied to the message. */
export const action = apiHandler(async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const { valid, params } = await verifiedTwilioParams(request);
  if (!valid) return apiError("unauthorized", "Invalid X-Twilio-Signature");
  await handleStatusCallback(await getDatabase(), params);
  return new Response(null, { status: 204 });
});

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) =>
  methodNotAllowed(request, ["POST"]),
);
