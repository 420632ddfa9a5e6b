import { createCookie, redirect } from "@remix-run/node";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import {
  type merchantSessions,
  merchantUsers,
  type operatorSessions,
  operators,
} from "~/db/schema/index";
import { cookieSecure } from "~/app/config/env.server";
import { getSecrets } from "~/app/config/secrets.server";
import { getDatabase } from "~/app/db.server";

/**
 * The mechanics FlowOps sessions (app/ops/session.server.ts, ADR 005) and merchant portal
 * sessions (app/merchant/session.server.ts, ADR 059) share: a signed cookie carrying only the
 * session id, a row that is over when revoked, past its absolute limit or idle too long, a
 * last-seen time refreshed at most once a minute, and a redirect to the sign-in page that says
 * why. One copy, so a fix to how a session ends (or what its cookie allows) reaches both back
 * offices; each keeps its own table, limits and who-is-signed-in shape.
 */

/** Why a request that carried a session cookie has no live session. */
export type EndedReason = "expired" | "ended";

/** lastSeenAt is refreshed at most this often, so reads don't all become writes. */
export const touchIntervalMs = 60 * 1000;

/** The session cookie `name`, created on first use (the secret is read then). */
export function signedSessionCookie(name: string) {
  let cookie: ReturnType<typeof createCookie> | undefined;
  return () => {
    cookie ??= createCookie(name, {
      httpOnly: true,
      sameSite: "lax",
      secure: cookieSecure(),
      // "/" for both: Remix fetches a page's data from `<path>.data`, which a cookie scoped to
      // /merchant or /ops would not reach.
      path: "/",
      secrets: [getSecrets().sessionSecret],
    });
    return cookie;
  };
}

/** The session id the request's cookie names, or null (no cookie, or a forged one). */
export async function sessionIdFrom(
  cookie: ReturnType<typeof createCookie>,
  request: Request,
): Promise<string | null> {
  const sessionId = (await cookie.parse(request.headers.get("cookie"))) as unknown;
  return typeof sessionId === "string" && sessionId !== "" ? sessionId : null;
}

type StoredSession = { revokedAt: Date | null; expiresAt: Date; lastSeenAt: Date };

type SessionTable = typeof operatorSessions | typeof merchantSessions;

/** A session row with the person it belongs to: an operator, or a merchant portal user. */
type SessionWithOwner<T extends SessionTable> = T extends typeof operatorSessions
  ? { session: typeof operatorSessions.$inferSelect; owner: typeof operators.$inferSelect }
  : { session: typeof merchantSessions.$inferSelect; owner: typeof merchantUsers.$inferSelect };

/** One indexed read: the session `sessionId` of `table` joined with its owner. */
async function sessionWithOwner<T extends SessionTable>(
  database: Database,
  table: T,
  sessionId: string,
): Promise<SessionWithOwner<T> | undefined> {
  const [owners, ownerId] =
    "operatorId" in table ? [operators, table.operatorId] : [merchantUsers, table.userId];
  const row = await database.db
    .select({ session: table as SessionTable, owner: owners })
    .from(table as SessionTable)
    .innerJoin(owners, eq(owners.id, ownerId))
    .where(eq(table.id, sessionId))
    .get();
  // The union of both tables' rows, narrowed by which table was asked for.
  return row as SessionWithOwner<T> | undefined;
}

/**
 * The request's stored session in `table` with its owner: none (no cookie, a forged one, no such row), ended (see `sessionEnd`), or open — for
 * the caller to build its signed-in shape from and to `touch` when `stale`.
 */
export async function openSession<T extends SessionTable>(
  request: Request,
  cookie: ReturnType<typeof createCookie>,
  idleTimeoutMs: number,
  table: T,
): Promise<
  | { state: "none" }
  | { state: "ended"; reason: EndedReason }
  | {
      state: "open";
      sessionId: string;
      database: Database;
      row: SessionWithOwner<T>;
      now: number;
      stale: boolean;
    }
> {
  const sessionId = await sessionIdFrom(cookie, request);
  if (sessionId === null) return { state: "none" };
  const database = await getDatabase();
  const row = await sessionWithOwner(database, table, sessionId);
  if (!row) return { state: "none" };
  const now = Date.now();
  const ended = sessionEnd(row.session, row.owner.status === "active", idleTimeoutMs, now);
  if (ended) return { state: "ended", reason: ended };
  const stale = now - row.session.lastSeenAt.getTime() > touchIntervalMs;
  return { state: "open", sessionId, database, row, now, stale };
}

/**
 * Why a stored session is over, or null while it is live: revoked or its owner no longer
 * active → "ended"; past its absolute limit or idle for `idleTimeoutMs` → "expired".
 */
export function sessionEnd(
  session: StoredSession,
  ownerActive: boolean,
  idleTimeoutMs: number,
  now: number,
): EndedReason | null {
  if (session.revokedAt !== null || !ownerActive) return "ended";
  if (session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() + idleTimeoutMs <= now) {
    return "expired";
  }
  return null;
}

/**
 * The redirect for a request without a finished sign-in: to `signInPath` with `next` (to come
 * back to) and `reason` when the cookie named a session that is over — whose cookie it clears.
 */
export async function signInRedirect(
  request: Request,
  found: { state: "none" } | { state: "ended"; reason: EndedReason } | { state: "live" },
  signInPath: string,
  clearCookie: () => Promise<string>,
) {
  const url = new URL(request.url);
  const params = new URLSearchParams({ next: url.pathname + url.search });
  if (found.state === "ended") params.set("reason", found.reason);
  return redirect(`${signInPath}?${params}`, {
    headers: found.state === "none" ? {} : { "Set-Cookie": await clearCookie() },
  });
}

/** The live sessions (not revoked, not past their limit) whose `owner` column is `ownerId`. */
export function liveSessionsOf(table: SessionTable, ownerId: string, now: Date) {
  const owner = "operatorId" in table ? table.operatorId : table.userId;
  return and(eq(owner, ownerId), isNull(table.revokedAt), gt(table.expiresAt, now));
}

/** The second step done: the session stays open until the absolute limit counted from `now`. */
export function verifiedWindow(now: Date, absoluteLifetimeMs: number) {
  return { lastSeenAt: now, expiresAt: new Date(now.getTime() + absoluteLifetimeMs) };
}

/** Sign out's revocation of one session, in the caller's transaction (with its audit entry). */
export async function revokeSession(tx: Tx, table: SessionTable, sessionId: string) {
  await tx.update(table).set({ revokedAt: new Date() }).where(eq(table.id, sessionId));
}
