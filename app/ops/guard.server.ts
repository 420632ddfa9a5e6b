import { audit, clientInfo } from "~/app/audit/audit.server";
import { getEnv } from "~/app/config/env.server";
import { getDatabase } from "~/app/db.server";
import { checkRequestOrigin } from "~/app/security/origin.server";
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
 * must be our own (app/security/origin.server.ts, ADR 022). FlowOps also refuses a post with no
 * Origin at all (every browser sends one). A refusal is a 403 page, never an exception — a
 * malformed Origin included.
 */
export function requireSameOrigin(request: Request) {
  if (request.method === "GET" || request.method === "HEAD") return;
  const verdict = checkRequestOrigin(request, getEnv().TRUST_PROXY);
  if (!verdict.ok || verdict.origin === "absent") {
    throw new Response("Forbidden: cross-site request", { status: 403 });
  }
}

/** For actions: same-origin check, then the permission. */
export async function requireAction(request: Request, permission: Permission) {
  requireSameOrigin(request);
  return requirePermission(request, permission);
}
