import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { randomBytesPooled } from "~/db/random";
import {
  merchantMemberships,
  merchantSessions,
  merchantSignInLinks,
  merchantSignInThrottles,
  merchantUsers,
} from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import { appUrl } from "~/app/config/env.server";
import { getSecrets } from "~/app/config/secrets.server";
import { queueEmail } from "~/app/messaging/email.server";
import { hmacSha256Hex, sha256Hex } from "~/app/security/hash.server";
import { nudgeRunner } from "~/jobs/nudge.server";
import { absoluteLifetimeMs, pendingLifetimeMs } from "./session.server";

/** A sign-in link works once, for 15 minutes (docs/product/merchants-and-money.md). */
export const signInLinkLifetimeMs = 15 * 60 * 1000;

/**
 * Link requests per fixed 15-minute window: per e-mail address (so nobody can flood an inbox)
 * and per client IP (so nobody can probe many addresses). The address limit is counted for
 * every address, a user's or not, so the answers never differ (ADR 059).
 */
export const throttleWindowMs = 15 * 60 * 1000;
export const perAddressLimit = 5;
export const perIpLimit = 30;

type Client = { ip: string | null; userAgent: string | null };

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * The sign-in URL carries the token as `?token=` — a query parameter that request logging,
 * spans and log-text scrubbing all redact (app/observability/redact-url.ts, ADR 021) — and
 * opening it only shows a button: the token is spent by the POST that button sends, so a mail
 * scanner that fetches links cannot use it up.
 */
export function signInUrl(token: string, next?: string) {
  const base = `${appUrl().replace(/\/$/, "")}/merchant/link?token=${token}`;
  // `next` was made safe by the caller (safePortalNext) and is checked again when used.
  return next && next !== "/merchant" ? `${base}&next=${encodeURIComponent(next)}` : base;
}

export type LinkEmail =
  { kind: "sign_in" } | { kind: "invite"; merchantName: string; inviterName: string | null };

function emailFor(link: LinkEmail, url: string) {
  const validity = "The link works once, for 15 minutes.";
  if (link.kind === "invite") {
    const by = link.inviterName ? `${link.inviterName} invited you` : "You have been invited";
    return {
      template: "merchant_invite",
      subject: `Your FlowPay merchant portal access for ${link.merchantName}`,
      text: `${by} to the FlowPay merchant portal of ${link.merchantName}.\n\nSign in: ${url}\n\n${validity} Later, ask for a new one at ${appUrl().replace(/\/$/, "")}/merchant/login.`,
    };
  }
  return {
    template: "merchant_sign_in",
    subject: "Your FlowPay merchant portal sign-in link",
    text: `Sign in to the FlowPay merchant portal: ${url}\n\n${validity} If you did not ask for it, ignore this e-mail.`,
  };
}

/**
 * A new single-use link for `userId` (only its SHA-256 stored) and the e-mail that carries it,
 * queued through the outbox in the caller's transaction: the link exists exactly when its
 * e-mail will be sent. Earlier unused links of the user stay valid until they expire.
 */
export async function issueSignInLink(
  tx: Tx,
  input: {
    userId: string;
    email: string;
    merchantId: string | null;
    message: LinkEmail;
    next?: string;
  },
) {
  const token = randomBytesPooled(32).toString("base64url");
  const now = Date.now();
  await tx.insert(merchantSignInLinks).values({
    id: newId("msl", now),
    userId: input.userId,
    merchantId: input.merchantId,
    tokenHash: sha256Hex(token),
    createdAt: new Date(now),
    expiresAt: new Date(now + signInLinkLifetimeMs),
  });
  const content = emailFor(input.message, signInUrl(token, input.next));
  await queueEmail(tx, { to: input.email, merchantId: input.merchantId, ...content });
  return token;
}

function throttleKey(kind: "email" | "ip", value: string) {
  return hmacSha256Hex(getSecrets().sessionSecret, `merchant-sign-in:${kind}:${value}`);
}

/** Counts one request under `key`; false when the window's limit is already reached. In `tx`. */
async function takeToken(tx: Tx, key: string, limit: number, now: Date) {
  const row = await tx
    .select()
    .from(merchantSignInThrottles)
    .where(eq(merchantSignInThrottles.key, key))
    .get();
  const fresh = !row || row.windowStartedAt.getTime() + throttleWindowMs <= now.getTime();
  if (!fresh && row.count >= limit) return false;
  const values = fresh ? { windowStartedAt: now, count: 1 } : { count: row.count + 1 };
  await tx
    .insert(merchantSignInThrottles)
    .values({ key, windowStartedAt: now, count: 1 })
    .onConflictDoUpdate({ target: merchantSignInThrottles.key, set: values });
  return true;
}

export type LinkRequestOutcome = "sent" | "throttled";

/**
 * POST /merchant/login: e-mails a sign-in link to an active user with at least one membership.
 * The answer is "sent" whether or not the address is a user's (one write transaction either
 * way); "throttled" depends only on the address's and the IP's counters.
 */
export async function requestSignInLink(
  database: Database,
  rawEmail: string,
  client: Client,
  next?: string,
): Promise<LinkRequestOutcome> {
  const email = normalizeEmail(rawEmail);
  const now = new Date();
  const outcome = await database.write(async (tx): Promise<LinkRequestOutcome> => {
    const byIp = client.ip
      ? await takeToken(tx, throttleKey("ip", client.ip), perIpLimit, now)
      : true;
    const byAddress = await takeToken(tx, throttleKey("email", email), perAddressLimit, now);
    await tx
      .delete(merchantSignInThrottles)
      .where(
        lt(merchantSignInThrottles.windowStartedAt, new Date(now.getTime() - throttleWindowMs)),
      );
    if (!byIp || !byAddress) return "throttled";
    const user = await tx
      .select({ id: merchantUsers.id, status: merchantUsers.status })
      .from(merchantUsers)
      .innerJoin(merchantMemberships, eq(merchantMemberships.userId, merchantUsers.id))
      .where(eq(merchantUsers.email, email))
      .get();
    if (!user || user.status !== "active") return "sent";
    await issueSignInLink(tx, {
      userId: user.id,
      email,
      merchantId: null,
      message: { kind: "sign_in" },
      ...(next ? { next } : {}),
    });
    await audit(tx, {
      actorType: "merchant_user",
      actorId: user.id,
      action: "merchant_user.sign_in_link_sent",
      entityType: "merchant_user",
      entityId: user.id,
      ...client,
    });
    return "sent";
  });
  if (outcome === "sent") nudgeRunner();
  return outcome;
}

export type ConsumedLink = { sessionId: string; needsTotp: boolean };

/**
 * POST /merchant/link: spends the token (one conditional UPDATE: of two requests with one link,
 * exactly one wins) and opens a session in the same transaction — verified at once, or pending
 * the TOTP step for a user who enabled it. Null for an unknown, used or expired token, or a user
 * who was deactivated or removed from every merchant since.
 */
export async function consumeSignInLink(
  database: Database,
  token: string,
  client: Client,
): Promise<ConsumedLink | null> {
  if (!/^[\w-]{20,100}$/.test(token)) return null;
  const tokenHash = sha256Hex(token);
  return database.write(async (tx) => {
    const now = new Date();
    const spent = await tx
      .update(merchantSignInLinks)
      .set({ usedAt: now })
      .where(
        and(
          eq(merchantSignInLinks.tokenHash, tokenHash),
          isNull(merchantSignInLinks.usedAt),
          gt(merchantSignInLinks.expiresAt, now),
        ),
      )
      .returning({
        userId: merchantSignInLinks.userId,
        merchantId: merchantSignInLinks.merchantId,
      });
    const link = spent[0];
    if (!link) return null;
    const user = await tx.query.merchantUsers.findFirst({
      where: eq(merchantUsers.id, link.userId),
    });
    const memberships = await tx
      .select({ merchantId: merchantMemberships.merchantId })
      .from(merchantMemberships)
      .where(eq(merchantMemberships.userId, link.userId));
    if (!user || user.status !== "active" || memberships.length === 0) return null;
    const merchantId =
      memberships.find((m) => m.merchantId === link.merchantId)?.merchantId ??
      memberships[0]!.merchantId;
    const needsTotp = user.totpEnabledAt !== null;
    const sessionId = newId("mss", now.getTime());
    await tx.insert(merchantSessions).values({
      id: sessionId,
      userId: user.id,
      merchantId,
      verifiedAt: needsTotp ? null : now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + (needsTotp ? pendingLifetimeMs : absoluteLifetimeMs)),
      ip: client.ip,
      userAgent: client.userAgent,
    });
    if (!needsTotp) {
      await tx.update(merchantUsers).set({ lastLoginAt: now }).where(eq(merchantUsers.id, user.id));
    }
    await audit(tx, {
      actorType: "merchant_user",
      actorId: user.id,
      action: needsTotp ? "merchant_user.link_used" : "merchant_user.login",
      entityType: "merchant_user",
      entityId: user.id,
      ...client,
      details: { method: "link", sessionId },
    });
    return { sessionId, needsTotp };
  });
}
