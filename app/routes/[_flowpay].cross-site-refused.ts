import { getRequestContext } from "~/app/observability/request-context.server";
import { crossSiteRefusal } from "~/app/security/origin.server";

/**
 * Where the HTTP hook sends a state-changing request whose Origin is not ours (ADR 022), before
 * Remix's own check would answer it with a bare 500. It answers 403: the API's JSON error for
 * /api paths, a short page otherwise. Requested directly, it refuses too.
 */
function refuse() {
  return crossSiteRefusal(getRequestContext()?.refusedPath ?? "/");
}

export const loader = refuse;
export const action = refuse;
