import { audit, clientInfo } from "~/audit/audit.server";
import { getDatabase } from "~/db.server";
import { can, type Permission } from "./permissions";
import { requireOperator } from "./session.server";

/**
 * The one check every /ops loader and action makes: a signed-in operator (password + TOTP, live
 * session) whose role has `permission`. A refusal is a 403 page and an audit record.
 */
export async function requirePermission(request: Request, permission: Permission) {
  const session = await requireOperator(request);
  if (!can(session.operator.role, permission)) {
    const database = await getDatabase();
    await database.write((tx) =>
      audit(tx, {
        actorType: "operator",
        actorId: session.operator.id,
        action: "access.denied",
        entityType: "permission",
        entityId: permission,
        ...clientInfo(request),
        details: { path: new URL(request.url).pathname, method: request.method },
      }),
    );
    throw new Response("Forbidden", { status: 403 });
  }
  return session;
}

/**
 * CSRF: state-changing requests come only by POST, with SameSite=Lax cookies, and their Origin
 * must be our own. A cross-site form post (or one with no Origin at all) is refused.
 */
export function requireSameOrigin(request: Request) {
  if (request.method === "GET" || request.method === "HEAD") return;
  const origin = request.headers.get("origin");
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (!origin || origin === "null" || !host || new URL(origin).host !== host) {
    throw new Response("Forbidden: cross-site request", { status: 403 });
  }
}

/** For actions: same-origin check, then the permission. */
export async function requireAction(request: Request, permission: Permission) {
  requireSameOrigin(request);
  return requirePermission(request, permission);
}
