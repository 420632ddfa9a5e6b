import { eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { operatorSessions, type operators } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import {
  liveSessionsOf,
  openSession,
  revokeSession,
  signInRedirect,
  signedSessionCookie,
  verifiedWindow,
  type EndedReason,
} from "~/app/security/db-session.server";

export const idleTimeoutMs = 15 * 60 * 1000;
export const absoluteLifetimeMs = 8 * 60 * 60 * 1000;
/** A password-only (pre-TOTP) session must finish the second step quickly. */
export const mfaPendingLifetimeMs = 10 * 60 * 1000;
/** The cookie carries only a signed session id; everything else stays in the database. */
export const sessionCookie = signedSessionCookie("__flowpay_ops");

export type OperatorSession = {
  sessionId: string;
  operator: typeof operators.$inferSelect;
  mfaVerified: boolean;
};

export async function startSession(
  database: Database,
  operatorId: string,
  client: { ip: string | null; userAgent: string | null },
) {
  const now = Date.now();
  const id = newId("ses", now);
  await database.write((tx) =>
    tx.insert(operatorSessions).values({
      id,
      operatorId,
      lastSeenAt: new Date(now),
      expiresAt: new Date(now + mfaPendingLifetimeMs),
      ip: client.ip,
      userAgent: client.userAgent,
    }),
  );
  return sessionCookie().serialize(id);
}

/** The second step succeeded: the session opens FlowOps until the absolute limit. In `tx`. */
export async function markSessionVerified(tx: Tx, sessionId: string, now = new Date()) {
  await tx
    .update(operatorSessions)
    .set({ mfaVerifiedAt: now, ...verifiedWindow(now, absoluteLifetimeMs) })
    .where(eq(operatorSessions.id, sessionId));
}

export async function markMfaVerified(database: Database, sessionId: string) {
  await database.write((tx) => markSessionVerified(tx, sessionId));
}

/**
 * Ends every live session of an operator (deactivation, role change, MFA reset, lockout, an
 * admin's "revoke sessions"), in the caller's transaction. Returns how many were ended.
 */
export async function revokeOperatorSessions(tx: Tx, operatorId: string, now = new Date()) {
  const revoked = await tx
    .update(operatorSessions)
    .set({ revokedAt: now })
    .where(liveSessionsOf(operatorSessions, operatorId, now))
    .returning({ id: operatorSessions.id });
  return revoked.length;
}

export type { EndedReason };

export type SessionLookup =
  | { state: "none" }
  | { state: "ended"; reason: EndedReason }
  | { state: "live"; session: OperatorSession };

/**
 * The request's session: live, ended (idle or past its lifetime → "expired"; revoked, or the
 * operator deactivated → "ended"), or none (no or forged cookie). One indexed read; the
 * last-seen time is refreshed at most once a minute, by one autocommit UPDATE.
 */
export async function lookupSession(request: Request): Promise<SessionLookup> {
  const found = await openSession(request, sessionCookie(), idleTimeoutMs, operatorSessions);
  if (found.state !== "open") return found;
  const { sessionId, database, now, row } = found;
  const { session, owner: operator } = row;
  if (found.stale) {
    await database.serialized(() =>
      database.db
        .update(operatorSessions)
        .set({ lastSeenAt: new Date(now) })
        .where(eq(operatorSessions.id, sessionId))
        .run(),
    );
  }
  return {
    state: "live",
    session: { sessionId, operator, mfaVerified: session.mfaVerifiedAt !== null },
  };
}

/** The request's live session (revoked, expired or idle sessions are not), or null. */
export async function readSession(request: Request): Promise<OperatorSession | null> {
  const found = await lookupSession(request);
  return found.state === "live" ? found.session : null;
}

/** A header that removes the session cookie. */
export function clearSessionCookie() {
  return sessionCookie().serialize("", { maxAge: 0 });
}

/**
 * The signed-in operator (password and TOTP done), or a redirect to the login page — with
 * `reason=expired|ended` when the cookie named a session that is over, so the page can say so.
 */
export async function requireOperator(request: Request) {
  const found = await lookupSession(request);
  if (found.state === "live" && found.session.mfaVerified) return found.session;
  throw await signInRedirect(request, found, "/ops/login", clearSessionCookie);
}

/** Logout: the session is revoked and the logout audited in one transaction. */
export async function endSession(
  database: Database,
  session: OperatorSession,
  client: { ip: string | null; userAgent: string | null },
) {
  await database.write(async (tx) => {
    await revokeSession(tx, operatorSessions, session.sessionId);
    await audit(tx, {
      actorType: "operator",
      actorId: session.operator.id,
      action: "operator.logout",
      entityType: "operator_session",
      entityId: session.sessionId,
      ...client,
    });
  });
  return clearSessionCookie();
}
