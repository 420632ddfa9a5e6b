import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import {
  clearPortalCookie,
  endPortalSession,
  lookupPortalSession,
} from "~/app/merchant/session.server";
import { requireSameOrigin } from "~/app/ops/guard.server";

/** Sign out (POST only: a link or image elsewhere cannot sign anyone out). */
export async function action({ request }: ActionFunctionArgs) {
  requireSameOrigin(request);
  const found = await lookupPortalSession(request);
  const cookie =
    found.state === "live"
      ? await endPortalSession(
          await getDatabase(),
          { sessionId: found.session.sessionId, userId: found.session.user.id },
          clientInfo(request),
        )
      : await clearPortalCookie();
  return redirect("/merchant/login?reason=ended", { headers: { "Set-Cookie": cookie } });
}

export const loader = () => redirect("/merchant");
