import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { newId } from "../../db/ids";
import { operators, type OperatorRole } from "../../db/schema/index";
import { audit, type AuditEntry } from "~/audit/audit.server";
import { getCipher } from "~/security/encryption.server";
import { generatePassword, hashPassword } from "~/security/password.server";
import { newTotpSecret } from "~/security/totp.server";

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

/**
 * Creates an operator with a password and a TOTP secret (every operator uses MFA).
 * Hashing runs before the write transaction: nothing slow inside a transaction.
 */
export async function createOperator(
  database: Database,
  input: {
    email: string;
    name?: string;
    role: OperatorRole;
    password?: string;
    totpSecret?: string;
    actor: Pick<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent">;
  },
): Promise<CreatedOperator> {
  const email = input.email.trim().toLowerCase();
  const password = input.password ?? generatePassword();
  const totpSecret = input.totpSecret ?? newTotpSecret();
  const passwordHash = await hashPassword(password);
  const totpSecretEnc = getCipher().encrypt(totpSecret, "operators.totp_secret");
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
      totpEnabledAt: new Date(),
    });
    await audit(tx, {
      ...input.actor,
      action: "operator.create",
      entityType: "operator",
      entityId: id,
      details: { role: input.role },
    });
  });
  return { id, email, role: input.role, password, totpSecret };
}
