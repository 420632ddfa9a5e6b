import { randomBytesPooled } from "../../db/random";
import { and, eq, isNull } from "drizzle-orm";
import type { Database, Tx } from "../../db/client";
import type { Step } from "../../db/native-writer.mjs";
import { insertSql, runSteps, type AnyTx } from "../../db/sql-tx";
import { newId } from "../../db/ids";
import { applicationLinks, applications } from "../../db/schema/index";
import { getEnv, appUrl } from "~/config/env.server";
import { sha256Hex } from "~/security/hash.server";

/** 256 random bits, URL-safe; only its SHA-256 is stored. */
export function newLinkToken() {
  return randomBytesPooled(32).toString("base64url");
}

export function applyUrl(token: string) {
  return `${appUrl().replace(/\/$/, "")}/apply/${token}`;
}

const insertLink = insertSql("application_links", [
  "id",
  "application_id",
  "token_hash",
  "expires_at",
  "created_at",
  "updated_at",
]);

/**
 * A new borrower link for an application as write-program steps (ADR 019): any earlier link is
 * revoked, except for a brand-new application, which has none. Only the token's hash is stored.
 */
export function linkSteps(
  applicationId: string,
  now = Date.now(),
  options: { fresh?: boolean } = {},
) {
  const token = newLinkToken();
  const expiresAt = new Date(now + getEnv().LINK_TTL_HOURS * 60 * 60 * 1000);
  const steps: Step[] = [];
  if (!options.fresh) {
    steps.push({
      sql: `UPDATE application_links SET revoked_at = ?, updated_at = ?
        WHERE application_id = ? AND revoked_at IS NULL`,
      args: [now, now, applicationId],
    });
  }
  steps.push({
    sql: insertLink,
    args: [newId("lnk", now), applicationId, sha256Hex(token), expiresAt.getTime(), now, now],
  });
  return { token, url: applyUrl(token), expiresAt, steps };
}

/** Issues a new borrower link for an application, revoking any earlier one (inside the caller's tx). */
export async function issueLink(
  tx: AnyTx,
  applicationId: string,
  now = Date.now(),
  options: { fresh?: boolean } = {},
) {
  const { steps, ...link } = linkSteps(applicationId, now, options);
  await runSteps(tx, steps);
  return link;
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
