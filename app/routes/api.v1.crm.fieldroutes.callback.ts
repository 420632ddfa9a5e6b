import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/app/api/errors.server";
import { apiHandler, methodNotAllowed } from "~/app/api/route.server";
import { clientInfo } from "~/app/audit/audit.server";
import { completeOAuthCallback } from "~/app/crm-sync/oauth.server";
import { getDatabase } from "~/app/db.server";
import { requirePermission } from "~/app/ops/guard.server";

/**
 * OAuth 2.0 authorization-code callback (docs/product/api.md): the operator who started the connection comes
 * back here from the CRM. The state is single-use and bound to their session; then the code is
 * exchanged and the tokens stored encrypted. Back to the merchant's page with the outcome.
 */
export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) => {
  const session = await requirePermission(request, "manage:crm_connection");
  const result = await completeOAuthCallback(await getDatabase(), {
    sessionId: session.sessionId,
    operatorId: session.operator.id,
    searchParams: new URL(request.url).searchParams,
    ...clientInfo(request),
    signal: request.signal,
  });
  if (result.kind === "refused") {
    return apiError(
      "bad_request",
      "This authorization is unknown, expired, already used or was started in another session; start again from the merchant's page",
    );
  }
  const outcome = result.kind === "connected" ? "connected" : result.kind;
  return redirect(
    `/ops/merchants/${encodeURIComponent(result.merchantId)}?crm=${encodeURIComponent(result.crm)}&oauth=${outcome}`,
  );
});

export const action = apiHandler(async ({ request }: ActionFunctionArgs) =>
  methodNotAllowed(request, ["GET"]),
);
