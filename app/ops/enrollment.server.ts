import { and, eq, isNull, lt, or } from "drizzle-orm";
import QRCode from "qrcode";
import type { Database } from "~/db/client";
import { operators } from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import { getCipher } from "~/app/security/encryption.server";
import { matchTotp, newTotpSecret, totpUri } from "~/app/security/totp.server";
import { completeSignIn, recordEnrollmentFailure } from "./login.server";
import { isLocked, lockRemainingMs } from "./lockout";
import { generateRecoveryCodes, hashRecoveryCode } from "./recovery.server";

type Client = { ip: string | null; userAgent: string | null };

const secretContext = "operators.totp_secret";

/**
 * The secret an operator without TOTP is enrolling: created (and stored encrypted, still
 * disabled) on first visit, the same one on every later visit until confirmed. Null when the
 * operator is already enrolled.
 */
export async function pendingTotpSecret(
  database: Database,
  operatorId: string,
): Promise<string | null> {
  const cipher = getCipher();
  const operator = await database.db.query.operators.findFirst({
    where: eq(operators.id, operatorId),
    columns: { totpEnabledAt: true, totpSecretEnc: true },
  });
  if (!operator || operator.totpEnabledAt) return null;
  if (operator.totpSecretEnc) return cipher.decrypt(operator.totpSecretEnc, secretContext);
  // Encrypt outside the transaction; store only if no other request stored one meanwhile.
  const candidate = newTotpSecret();
  const candidateEnc = cipher.encrypt(candidate, secretContext);
  const stored = await database.write(async (tx) => {
    await tx
      .update(operators)
      .set({ totpSecretEnc: candidateEnc })
      .where(
        and(
          eq(operators.id, operatorId),
          isNull(operators.totpEnabledAt),
          isNull(operators.totpSecretEnc),
        ),
      );
    return tx.query.operators.findFirst({
      where: eq(operators.id, operatorId),
      columns: { totpEnabledAt: true, totpSecretEnc: true },
    });
  });
  if (!stored?.totpSecretEnc || stored.totpEnabledAt) return null;
  return cipher.decrypt(stored.totpSecretEnc, secretContext);
}

/** The otpauth:// URI as a QR code: an SVG data: URL (the CSP allows img-src data:; no JS). */
export async function qrCodeDataUrl(uri: string) {
  const svg = await QRCode.toString(uri, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
}

export async function enrollmentView(database: Database, operator: { id: string; email: string }) {
  const secret = await pendingTotpSecret(database, operator.id);
  if (!secret) return null;
  const uri = totpUri(secret, operator.email);
  return { secret, uri, qrCode: await qrCodeDataUrl(uri) };
}

export type EnrollmentResult =
  { ok: true; recoveryCodes: string[] } | { ok: false; locked: boolean; remainingMs: number };

/**
 * Confirms enrollment with a code from the new authenticator: TOTP enabled, 10 recovery codes
 * (only their hashes stored; the codes are returned to be shown once), and — the code being the
 * second factor — the pending session signed in, all in one transaction with its audit records.
 */
export async function confirmEnrollment(
  database: Database,
  session: { sessionId: string; operatorId: string },
  code: string,
  client: Client,
): Promise<EnrollmentResult> {
  const operator = await database.db.query.operators.findFirst({
    where: eq(operators.id, session.operatorId),
  });
  if (!operator?.totpSecretEnc || operator.totpEnabledAt) {
    return { ok: false, locked: false, remainingMs: 0 };
  }
  const now = new Date();
  if (isLocked(operator, now)) {
    return { ok: false, locked: true, remainingMs: lockRemainingMs(operator, now) };
  }
  const secretEnc = operator.totpSecretEnc;
  // The confirming code signs the session in: like any TOTP code, it is good only once.
  const step = await matchTotp(
    getCipher().decrypt(secretEnc, secretContext),
    code,
    operator.totpLastStep,
  );
  if (step === null)
    return { ok: false, ...(await recordEnrollmentFailure(database, session, client)) };

  const recoveryCodes = generateRecoveryCodes();
  const hashes = recoveryCodes.map(hashRecoveryCode);
  const enrolled = await database.write(async (tx) => {
    const updated = await tx
      .update(operators)
      // One conditional UPDATE enables TOTP and records the code's step (RFC 6238 §5.2): of two
      // requests confirming with one code, only one matches.
      .set({ totpEnabledAt: now, recoveryCodeHashes: hashes, totpLastStep: step })
      .where(
        and(
          eq(operators.id, operator.id),
          isNull(operators.totpEnabledAt),
          eq(operators.totpSecretEnc, secretEnc),
          or(isNull(operators.totpLastStep), lt(operators.totpLastStep, step)),
        ),
      )
      .returning({ id: operators.id });
    if (updated.length === 0) return false;
    await completeSignIn(tx, operator.id, session.sessionId, now);
    const base = {
      actorType: "operator" as const,
      actorId: operator.id,
      entityType: "operator",
      entityId: operator.id,
      ...client,
    };
    await audit(tx, {
      ...base,
      action: "operator.mfa_enrolled",
      details: { recoveryCodes: hashes.length },
    });
    await audit(tx, {
      ...base,
      action: "operator.login",
      details: { method: "enrollment", sessionId: session.sessionId },
    });
    return true;
  });
  return enrolled ? { ok: true, recoveryCodes } : { ok: false, locked: false, remainingMs: 0 };
}
