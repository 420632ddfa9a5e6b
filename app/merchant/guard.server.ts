import { audit, clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { requireSameOrigin } from "~/app/ops/guard.server";
import { canPortal, type PortalPermission } from "./permissions";
import { portalScope, type PortalScope } from "./scope.server";
import { requireMerchantUser, type PortalSession } from "./session.server";

export type PortalContext = PortalSession & {
  /** Every read and write of merchant data goes through this (ADR 060). */
  scope: PortalScope;
  client: { ip: string | null; userAgent: string | null };
};

/**
 * The one check every portal loader and action makes: a signed-in merchant user (link, and TOTP
 * when enabled; live session) whose role in the selected merchant has `permission`. A refusal
 * is a 403 page and an audit record. The context's `scope` is the selected merchant's: there is
 * no other way for a portal route to reach merchant data.
 */
export async function requirePortal(
  request: Request,
  permission: PortalPermission,
): Promise<PortalContext> {
  const session = await requireMerchantUser(request);
  const client = clientInfo(request);
  if (!canPortal(session.role, permission)) {
    const database = await getDatabase();
    await database.write((tx) =>
      audit(tx, {
        actorType: "merchant_user",
        actorId: session.user.id,
        action: "access.denied",
        entityType: "portal_permission",
        entityId: permission,
        ...client,
        details: {
          merchant_id: session.merchant.id,
          path: new URL(request.url).pathname,
          method: request.method,
        },
      }),
    );
    throw new Response("Forbidden", { status: 403 });
  }
  return { ...session, scope: portalScope(session.merchant.id), client };
}

/**
 * For actions: the same Origin stance as FlowOps (ADR 022: a post must name our own origin; the
 * app's HTTP hook already refuses a foreign one, this also refuses none), then the permission.
 */
export async function requirePortalAction(request: Request, permission: PortalPermission) {
  requireSameOrigin(request);
  return requirePortal(request, permission);
}

/** What a portal route answers for an id that is not the selected merchant's: plain 404. */
export function notFound(): never {
  throw new Response("Not Found", { status: 404 });
}
