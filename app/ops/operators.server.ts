import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { operators, type OperatorRole } from "~/db/schema/index";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { getCipher } from "~/app/security/encryption.server";
import { generatePassword, hashPassword } from "~/app/security/password.server";
import { newTotpSecret } from "~/app/security/totp.server";

export class DuplicateError extends Error {
  override name = "DuplicateError";
}

export type CreatedOperator = {
  id: string;
  email: string;
  role: OperatorRole;
  /** Shown once when it was generated. */
  password: string;
  totpSecret: string;
};

export type OperatorInput = {
  email: string;
  name?: string;
  role: OperatorRole;
  password?: string;
  actor: Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;
};

/**
 * Creates an operator with a password and an enabled TOTP secret, returned once: for the CLI's
 * `user create` (bootstrapping the first admin from a shell on the server) and the demo seed,
 * whose secrets are printed or fixed. Operators created from the Users screen use
 * `inviteOperator` instead and enroll their own authenticator at first sign-in, so no one but
 * them ever sees their TOTP secret.
 * Hashing runs before the write transaction: nothing slow inside a transaction.
 */
export async function createOperator(
  database: Database,
  input: OperatorInput & { totpSecret?: string },
): Promise<CreatedOperator> {
  const totpSecret = input.totpSecret ?? newTotpSecret();
  const created = await insertOperator(database, input, totpSecret);
  return { ...created, totpSecret };
}

export type InvitedOperator = Omit<CreatedOperator, "totpSecret">;

/**
 * Creates an operator with a temporary password and no TOTP (totp_enabled_at null): their first
 * sign-in goes from the password step to /ops/enroll, where they scan their own QR code.
 */
export async function inviteOperator(
  database: Database,
  input: OperatorInput,
): Promise<InvitedOperator> {
  return insertOperator(database, input, null);
}

async function insertOperator(
  database: Database,
  input: OperatorInput,
  totpSecret: string | null,
): Promise<InvitedOperator> {
  const email = input.email.trim().toLowerCase();
  const password = input.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  const totpSecretEnc = totpSecret
    ? getCipher().encrypt(totpSecret, "operators.totp_secret")
    : null;
  const id = newId("op");
  await database.write(async (tx) => {
    const existing = await tx.query.operators.findFirst({ where: eq(operators.email, email) });
    if (existing) throw new DuplicateError(`An operator with e-mail ${email} already exists`);
    await tx.insert(operators).values({
      id,
      email,
      name: input.name ?? email.split("@")[0]!,
      role: input.role,
      passwordHash,
      totpSecretEnc,
      totpEnabledAt: totpSecret ? new Date() : null,
    });
    await audit(tx, {
      ...input.actor,
      action: "operator.create",
      entityType: "operator",
      entityId: id,
      details: { role: input.role, mfa: totpSecret ? "provisioned" : "enroll_at_first_sign_in" },
    });
  });
  return { id, email, role: input.role, password };
}
