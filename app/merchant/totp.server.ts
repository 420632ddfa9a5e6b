import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { auditLogs, merchantSessions, merchantUsers } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import { qrCodeDataUrl } from "~/app/ops/enrollment.server";
import { getCipher } from "~/app/security/encryption.server";
import { matchTotp, newTotpSecret, totpUri } from "~/app/security/totp.server";
import { claimTotpStep } from "~/app/security/totp-step.server";
import { markPortalSessionVerified } from "./session.server";

/**
 * The portal's optional second factor: the same TOTP code as FlowOps (app/security/totp.server.ts:
 * RFC 6238, one step of drift, a code good for one sign-in), the secret stored encrypted, the
 * accepted step recorded by a conditional UPDATE. A user turns it on under "Security"; from then
 * on, a sign-in link opens a pending session that only a code completes (ADR 059).
 */
const secretContext = "merchant_users.totp_secret";
const issuer = "FlowPay merchant portal";
/** Wrong codes a pending session may try before it ends (the user asks for a new link). */
export const maxCodeAttempts = 5;

type Client = { ip: string | null; userAgent: string | null };

/** The secret being enrolled (created on first visit, the same until confirmed); null if enabled. */
export async function portalEnrollment(database: Database, user: { id: string; email: string }) {
  const row = await database.db.query.merchantUsers.findFirst({
    where: eq(merchantUsers.id, user.id),
    columns: { totpEnabledAt: true, totpSecretEnc: true },
  });
  if (!row || row.totpEnabledAt) return null;
  let secretEnc = row.totpSecretEnc;
  if (!secretEnc) {
    const candidate = getCipher().encrypt(newTotpSecret(), secretContext);
    secretEnc = await database.write(async (tx) => {
      await tx
        .update(merchantUsers)
        .set({ totpSecretEnc: candidate })
        .where(and(eq(merchantUsers.id, user.id), isNull(merchantUsers.totpSecretEnc)));
      const stored = await tx.query.merchantUsers.findFirst({
        where: eq(merchantUsers.id, user.id),
        columns: { totpSecretEnc: true },
      });
      return stored?.totpSecretEnc ?? candidate;
    });
  }
  const secret = getCipher().decrypt(secretEnc, secretContext);
  const uri = totpUri(secret, user.email, issuer);
  return { secret, uri, qrCode: await qrCodeDataUrl(uri) };
}

/** Turns TOTP on with a first right code (which counts as used). */
export async function confirmPortalTotp(
  database: Database,
  userId: string,
  code: string,
  client: Client,
) {
  const row = await database.db.query.merchantUsers.findFirst({
    where: eq(merchantUsers.id, userId),
  });
  if (!row?.totpSecretEnc || row.totpEnabledAt) return false;
  const step = await matchTotp(
    getCipher().decrypt(row.totpSecretEnc, secretContext),
    code,
    row.totpLastStep,
  );
  if (step === null) return false;
  return database.write(async (tx) => {
    if (!(await claimTotpStep(tx, merchantUsers, userId, step))) return false;
    await tx
      .update(merchantUsers)
      .set({ totpEnabledAt: new Date() })
      .where(eq(merchantUsers.id, userId));
    await audit(tx, {
      actorType: "merchant_user",
      actorId: userId,
      action: "merchant_user.totp_enabled",
      entityType: "merchant_user",
      entityId: userId,
      ...client,
    });
    return true;
  });
}

export type PortalCodeResult = "ok" | "wrong" | "ended";

/**
 * The second step of a sign-in with TOTP on: a right, unused code verifies the pending session;
 * a wrong one is audited, and the fifth ends the session (the user then needs a new link, which
 * is throttled too: guessing stays hopeless).
 */
export async function verifyPortalCode(
  database: Database,
  session: { sessionId: string; userId: string },
  code: string,
  client: Client,
): Promise<PortalCodeResult> {
  const row = await database.db.query.merchantUsers.findFirst({
    where: eq(merchantUsers.id, session.userId),
  });
  if (!row?.totpSecretEnc || !row.totpEnabledAt) return "ended";
  const step = await matchTotp(
    getCipher().decrypt(row.totpSecretEnc, secretContext),
    code,
    row.totpLastStep,
  );
  return database.write(async (tx): Promise<PortalCodeResult> => {
    const now = new Date();
    const live = await tx.query.merchantSessions.findFirst({
      where: and(
        eq(merchantSessions.id, session.sessionId),
        isNull(merchantSessions.revokedAt),
        isNull(merchantSessions.verifiedAt),
        gt(merchantSessions.expiresAt, now),
      ),
    });
    if (!live) return "ended";
    const base = {
      actorType: "merchant_user" as const,
      actorId: session.userId,
      entityType: "merchant_session",
      entityId: session.sessionId,
      ...client,
    };
    if (step !== null && (await claimTotpStep(tx, merchantUsers, session.userId, step))) {
      await markPortalSessionVerified(tx, session.sessionId, now);
      await tx
        .update(merchantUsers)
        .set({ lastLoginAt: now })
        .where(eq(merchantUsers.id, session.userId));
      await audit(tx, { ...base, action: "merchant_user.login", details: { method: "link+totp" } });
      return "ok";
    }
    await audit(tx, { ...base, action: "merchant_user.totp_failed" });
    const failures = await tx
      .select({ n: sql<number>`count(*)` })
      .from(auditLogs)
      .where(
        and(
          eq(auditLogs.entityType, "merchant_session"),
          eq(auditLogs.entityId, session.sessionId),
          eq(auditLogs.action, "merchant_user.totp_failed"),
        ),
      )
      .get();
    if (Number(failures?.n ?? 0) >= maxCodeAttempts) {
      await tx
        .update(merchantSessions)
        .set({ revokedAt: now })
        .where(eq(merchantSessions.id, session.sessionId));
      return "ended";
    }
    return "wrong";
  });
}
