import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Database, Tx } from "../../db/client";
import { newId } from "../../db/ids";
import { applicationLinks, applications } from "../../db/schema/index";
import { getEnv, appUrl } from "~/config/env.server";
import { sha256Hex } from "~/security/hash.server";

/** 256 random bits, URL-safe; only its SHA-256 is stored. */
export function newLinkToken() {
  return randomBytes(32).toString("base64url");
}

export function applyUrl(token: string) {
  return `${appUrl().replace(/\/$/, "")}/apply/${token}`;
}

/** Issues a new borrower link for an application, revoking any earlier one (inside the caller's tx). */
export async function issueLink(
  tx: Tx,
  applicationId: string,
  now = Date.now(),
  options: { fresh?: boolean } = {},
) {
  // A brand-new application has no earlier link to revoke.
  if (!options.fresh)
    await tx
      .update(applicationLinks)
      .set({ revokedAt: new Date(now) })
      .where(
        and(eq(applicationLinks.applicationId, applicationId), isNull(applicationLinks.revokedAt)),
      );
  const token = newLinkToken();
  const expiresAt = new Date(now + getEnv().LINK_TTL_HOURS * 60 * 60 * 1000);
  await tx.insert(applicationLinks).values({
    id: newId("lnk", now),
    applicationId,
    tokenHash: sha256Hex(token),
    expiresAt,
  });
  return { token, url: applyUrl(token), expiresAt };
}

export async function revokeLinks(tx: Tx, applicationId: string, now = Date.now()) {
  await tx
    .update(applicationLinks)
    .set({ revokedAt: new Date(now) })
    .where(
      and(eq(applicationLinks.applicationId, applicationId), isNull(applicationLinks.revokedAt)),
    );
}

export type ResolvedLink =
  | { kind: "ok"; application: typeof applications.$inferSelect; linkId: string; expiresAt: Date }
  | { kind: "expired" }
  | { kind: "unknown" };

/**
 * The application a token opens. Unknown tokens and revoked ones are "unknown" (404), expired
 * ones "expired" (410); neither reveals anything about the application.
 */
export async function resolveLink(
  database: Database,
  token: string,
  now = Date.now(),
): Promise<ResolvedLink> {
  if (!/^[\w-]{20,128}$/.test(token)) return { kind: "unknown" };
  const row = await database.db
    .select()
    .from(applicationLinks)
    .innerJoin(applications, eq(applications.id, applicationLinks.applicationId))
    .where(eq(applicationLinks.tokenHash, sha256Hex(token)))
    .get();
  if (!row || row.application_links.revokedAt) return { kind: "unknown" };
  if (row.application_links.expiresAt.getTime() <= now) return { kind: "expired" };
  return {
    kind: "ok",
    application: row.applications,
    linkId: row.application_links.id,
    expiresAt: row.application_links.expiresAt,
  };
}
