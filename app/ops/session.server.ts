import { createCookie, redirect } from "@remix-run/node";
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client";
import { newId } from "../../db/ids";
import { operatorSessions, operators } from "../../db/schema/index";
import { audit } from "~/audit/audit.server";
import { cookieSecure } from "~/config/env.server";
import { getSecrets } from "~/config/secrets.server";
import { getDatabase } from "~/db.server";

export const idleTimeoutMs = 15 * 60 * 1000;
export const absoluteLifetimeMs = 8 * 60 * 60 * 1000;
/** A password-only (pre-TOTP) session must finish the second step quickly. */
export const mfaPendingLifetimeMs = 10 * 60 * 1000;
/** lastSeenAt is refreshed at most this often, so reads don't all become writes. */
const touchIntervalMs = 60 * 1000;

let cookie: ReturnType<typeof createCookie> | undefined;
/** The cookie carries only a signed session id; everything else stays in the database. */
export function sessionCookie() {
  cookie ??= createCookie("__flowpay_ops", {
    httpOnly: true,
    sameSite: "lax",
    secure: cookieSecure(),
    path: "/",
    secrets: [getSecrets().sessionSecret],
  });
  return cookie;
}

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

export async function markMfaVerified(database: Database, sessionId: string) {
  const now = Date.now();
  await database.write((tx) =>
    tx
      .update(operatorSessions)
      .set({
        mfaVerifiedAt: new Date(now),
        lastSeenAt: new Date(now),
        expiresAt: new Date(now + absoluteLifetimeMs),
      })
      .where(eq(operatorSessions.id, sessionId)),
  );
}

/** The request's live session (revoked, expired or idle sessions are not), or null. */
export async function readSession(request: Request): Promise<OperatorSession | null> {
  const sessionId = (await sessionCookie().parse(request.headers.get("cookie"))) as unknown;
  if (typeof sessionId !== "string") return null;
  const database = await getDatabase();
  const row = await database.db
    .select()
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(and(eq(operatorSessions.id, sessionId), isNull(operatorSessions.revokedAt)))
    .get();
  if (!row) return null;
  const now = Date.now();
  const session = row.operator_sessions;
  if (session.expiresAt.getTime() <= now) return null;
  if (session.lastSeenAt.getTime() + idleTimeoutMs <= now) return null;
  if (row.operators.status !== "active") return null;
  if (now - session.lastSeenAt.getTime() > touchIntervalMs) {
    await database.write((tx) =>
      tx
        .update(operatorSessions)
        .set({ lastSeenAt: new Date(now) })
        .where(eq(operatorSessions.id, sessionId)),
    );
  }
  return { sessionId, operator: row.operators, mfaVerified: session.mfaVerifiedAt !== null };
}

/** The signed-in operator (password and TOTP done), or a redirect to the login page. */
export async function requireOperator(request: Request) {
  const session = await readSession(request);
  if (!session || !session.mfaVerified) {
    const next = new URL(request.url).pathname;
    throw redirect(`/ops/login?next=${encodeURIComponent(next)}`);
  }
  return session;
}

/** Logout: the session is revoked and the logout audited in one transaction. */
export async function endSession(
  database: Database,
  session: OperatorSession,
  client: { ip: string | null; userAgent: string | null },
) {
  await database.write(async (tx) => {
    await tx
      .update(operatorSessions)
      .set({ revokedAt: new Date() })
      .where(eq(operatorSessions.id, session.sessionId));
    await audit(tx, {
      actorType: "operator",
      actorId: session.operator.id,
      action: "operator.logout",
      entityType: "operator_session",
      entityId: session.sessionId,
      ...client,
    });
  });
  return sessionCookie().serialize("", { maxAge: 0 });
}
