import { randomBytesPooled } from "~/db/random";
import { and, eq, isNull } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import type { Step } from "~/db/native-writer.mjs";
import { insertSql, runSteps, type AnyTx } from "~/db/sql-tx";
import { newId } from "~/db/ids";
import { applicationLinks, applications, auditLogs, loans } from "~/db/schema/index";
import { getEnv, appUrl } from "~/app/config/env.server";
import { getCipher } from "~/app/security/encryption.server";
import { sha256Hex } from "~/app/security/hash.server";

const tokenContext = "application_links.token";

/** The token of a link row (null for links stored before tokens were kept encrypted). */
export function linkToken(tokenEnc: string | null): string | null {
  return tokenEnc ? getCipher().decrypt(tokenEnc, tokenContext) : null;
}

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
  "token_enc",
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
    args: [
      newId("lnk", now),
      applicationId,
      sha256Hex(token),
      // Lookups use only the hash; the encrypted token lets a repeated offer for the same job
      // answer with the link the borrower already has (ADR 026).
      getCipher().encrypt(token, tokenContext),
      expiresAt.getTime(),
      now,
      now,
    ],
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
  | { kind: "closed"; reason: ClosedLinkReason }
  | { kind: "unknown" };

/**
 * Why a known link no longer opens its application — what the borrower is told (410):
 * `canceled` by the business, `superseded` by a newer offer for the same job (a new application,
 * ADR 026), `replaced` by a newer link for the same application (resend). None of them reveals
 * anything about the application itself.
 */
export type ClosedLinkReason =
  "canceled" | "superseded" | "replaced" | "lender_declined" | "canceled_by_borrower";

/**
 * The application a token opens. Unknown tokens are "unknown" (404); expired ones "expired" and
 * revoked ones or those of a canceled application "closed" with the reason (410). Neither reveals
 * anything about the application.
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
  if (!row) return { kind: "unknown" };
  const application = row.applications;
  if (application.status === "canceled") {
    if (application.supersededById) return { kind: "closed", reason: "superseded" };
    // Canceled by FlowOps after the lender refused the signed loan (ADR 032): say so, not "the business".
    const loan = await database.db
      .select({ declinedAt: loans.declinedAt })
      .from(loans)
      .where(eq(loans.applicationId, application.id))
      .get();
    if (loan?.declinedAt) return { kind: "closed", reason: "lender_declined" };
    // Canceled by the borrower from this link (ADR 055): "you canceled", not "the business".
    const byBorrower = await database.db
      .select({ id: auditLogs.id })
      .from(auditLogs)
      .where(
        and(
          eq(auditLogs.entityId, application.id),
          eq(auditLogs.action, "application.borrower_cancel"),
        ),
      )
      .get();
    return { kind: "closed", reason: byBorrower ? "canceled_by_borrower" : "canceled" };
  }
  // Links are revoked only by a resend (a newer link) or a cancel (handled above).
  if (row.application_links.revokedAt) return { kind: "closed", reason: "replaced" };
  if (row.application_links.expiresAt.getTime() <= now) return { kind: "expired" };
  return {
    kind: "ok",
    application,
    linkId: row.application_links.id,
    expiresAt: row.application_links.expiresAt,
  };
}
