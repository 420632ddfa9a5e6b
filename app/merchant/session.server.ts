import { redirect } from "@remix-run/node";
import { asc, eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { merchantMemberships, merchantSessions, merchants } from "~/db/schema/index";
import type { MerchantRole } from "~/db/schema/merchant-users";
import { audit } from "~/app/audit/audit.server";
// The mechanics both back offices share (ADR 059): portal sessions differ only in their table,
// cookie and limits.
import * as dbSession from "~/app/security/db-session.server";

/**
 * Portal sessions (ADR 059): like FlowOps' (app/ops/session.server.ts, ADR 005), on the same
 * mechanics (app/security/db-session.server.ts) — a signed cookie with only the session id, the
 * rest in merchant_sessions — with a longer idle limit (office staff leave the portal open
 * between calls) and the same kind of absolute limit.
 */
export const idleTimeoutMs = 30 * 60 * 1000;
export const absoluteLifetimeMs = 12 * 60 * 60 * 1000;
/** A session waiting for the TOTP step must finish it quickly. */
export const pendingLifetimeMs = 10 * 60 * 1000;

export const portalCookie = dbSession.signedSessionCookie("__flowpay_merchant");

export const sessionCookieHeader = (sessionId: string) => portalCookie().serialize(sessionId);
export const clearPortalCookie = () => portalCookie().serialize("", { maxAge: 0 });

export type Membership = { merchantId: string; merchantName: string; role: MerchantRole };

export type PortalSession = {
  sessionId: string;
  user: { id: string; email: string; name: string | null; totpEnabled: boolean };
  /** Whether the sign-in is complete (the TOTP step done, or not needed). */
  verified: boolean;
  /** The selected merchant and the user's role there. */
  merchant: { id: string; name: string; slug: string; status: string };
  role: MerchantRole;
  /** Every merchant the user belongs to (the organization switcher). */
  memberships: Membership[];
};

export type PortalLookup =
  | { state: "none" }
  | { state: "ended"; reason: "expired" | "ended" }
  | { state: "live"; session: PortalSession };

/** The user's memberships with their merchants' names, oldest first. */
export async function membershipsOf(reader: Database["db"] | Tx, userId: string) {
  return reader
    .select({
      merchantId: merchantMemberships.merchantId,
      merchantName: merchants.name,
      role: merchantMemberships.role,
    })
    .from(merchantMemberships)
    .innerJoin(merchants, eq(merchants.id, merchantMemberships.merchantId))
    .where(eq(merchantMemberships.userId, userId))
    .orderBy(asc(merchantMemberships.createdAt));
}

/**
 * The request's portal session. A removed membership takes effect at the next request: the
 * session falls back to another of the user's merchants, or ends when there is none.
 */
export async function lookupPortalSession(request: Request): Promise<PortalLookup> {
  const found = await dbSession.openSession(
    request,
    portalCookie(),
    idleTimeoutMs,
    merchantSessions,
  );
  if (found.state !== "open") return found;
  const { sessionId, database, now, row } = found;
  const { session, owner: user } = row;
  const memberships = await membershipsOf(database.db, user.id);
  const selected = memberships.find((m) => m.merchantId === session.merchantId) ?? memberships[0];
  if (!selected) return { state: "ended", reason: "ended" };
  const merchant = await database.db.query.merchants.findFirst({
    where: eq(merchants.id, selected.merchantId),
    columns: { id: true, name: true, slug: true, status: true },
  });
  if (!merchant) return { state: "ended", reason: "ended" };
  if (found.stale || selected.merchantId !== session.merchantId) {
    await database.serialized(() =>
      database.db
        .update(merchantSessions)
        .set({ lastSeenAt: new Date(now), merchantId: selected.merchantId })
        .where(eq(merchantSessions.id, sessionId))
        .run(),
    );
  }
  return {
    state: "live",
    session: {
      sessionId,
      user: {
        id: user.id,
        email: user.email,
        name: user.name,
        totpEnabled: user.totpEnabledAt !== null,
      },
      verified: session.verifiedAt !== null,
      merchant,
      role: selected.role,
      memberships,
    },
  };
}

/**
 * The signed-in merchant user, or a redirect to /merchant/login (with `reason` when the cookie
 * named a session that is over, and `next` to come back to).
 */
export async function requireMerchantUser(request: Request): Promise<PortalSession> {
  const found = await lookupPortalSession(request);
  if (found.state === "live" && found.session.verified) return found.session;
  // Link used, TOTP code still to give: that step, not a new link (the session stays).
  if (found.state === "live") {
    const url = new URL(request.url);
    throw redirect(`/merchant/verify?${new URLSearchParams({ next: url.pathname + url.search })}`);
  }
  throw await dbSession.signInRedirect(request, found, "/merchant/login", clearPortalCookie);
}

/** The TOTP step done: the session opens the portal until the absolute limit. In `tx`. */
export async function markPortalSessionVerified(tx: Tx, sessionId: string, now = new Date()) {
  await tx
    .update(merchantSessions)
    .set({ verifiedAt: now, ...dbSession.verifiedWindow(now, absoluteLifetimeMs) })
    .where(eq(merchantSessions.id, sessionId));
}

/** Ends every live session of a user (deactivation), in the caller's transaction. */
export async function revokeMerchantUserSessions(tx: Tx, userId: string, now = new Date()) {
  await tx
    .update(merchantSessions)
    .set({ revokedAt: now })
    .where(dbSession.liveSessionsOf(merchantSessions, userId, now));
}

/** The organization switcher: selects another of the user's merchants (false: not a member). */
export async function switchMerchant(
  database: Database,
  session: PortalSession,
  merchantId: string,
) {
  if (!session.memberships.some((m) => m.merchantId === merchantId)) return false;
  await database.write((tx) =>
    tx
      .update(merchantSessions)
      .set({ merchantId })
      .where(eq(merchantSessions.id, session.sessionId)),
  );
  return true;
}

/** Sign out: the session revoked and audited in one transaction; returns the clearing cookie. */
export async function endPortalSession(
  database: Database,
  session: { sessionId: string; userId: string },
  client: { ip: string | null; userAgent: string | null },
) {
  await database.write(async (tx) => {
    await dbSession.revokeSession(tx, merchantSessions, session.sessionId);
    await audit(tx, {
      actorType: "merchant_user",
      actorId: session.userId,
      action: "merchant_user.logout",
      entityType: "merchant_session",
      entityId: session.sessionId,
      ...client,
    });
  });
  return clearPortalCookie();
}
