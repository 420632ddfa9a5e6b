import { eq } from "drizzle-orm";
import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import { z } from "zod";
import type { Database } from "../../db/client";
import { operators } from "../../db/schema/index";
import { audit } from "~/audit/audit.server";
import { getDatabase } from "~/db.server";
import { getCipher } from "~/security/encryption.server";
import { verifyPassword } from "~/security/password.server";
import { verifyTotp } from "~/security/totp.server";

export const loginSchema = z.object({
  email: z.email("Enter your work e-mail").max(254),
  password: z.string().min(1, "Enter your password").max(256),
});

export const totpSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app"),
});

export class LoginError extends Error {
  override name = "LoginError";
}

// Verifying a made-up hash costs as much as a real one, so a wrong e-mail takes as long as a
// wrong password and response times don't reveal which addresses are operators.
const decoyHash =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + Buffer.alloc(64).toString("base64");

type Client = { ip: string | null; userAgent: string | null };

/** remix-auth's form strategy checks e-mail and password; the TOTP step follows on /ops/verify. */
export const authenticator = new Authenticator<{ operatorId: string }>();
authenticator.use(
  new FormStrategy(async ({ form }) => {
    const parsed = loginSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) throw new LoginError(parsed.error.issues[0]!.message);
    const database = await getDatabase();
    const operator = await database.db.query.operators.findFirst({
      where: eq(operators.email, parsed.data.email.toLowerCase()),
    });
    const ok = await verifyPassword(parsed.data.password, operator?.passwordHash ?? decoyHash);
    if (!operator || !ok || operator.status !== "active") {
      throw new LoginError("That e-mail and password don't match an active operator.");
    }
    return { operatorId: operator.id };
  }),
  "password",
);

export async function checkTotp(
  database: Database,
  operatorId: string,
  code: string,
  client: Client,
) {
  const operator = await database.db.query.operators.findFirst({
    where: eq(operators.id, operatorId),
  });
  if (!operator?.totpSecretEnc) return false;
  const secret = getCipher().decrypt(operator.totpSecretEnc, "operators.totp_secret");
  const ok = await verifyTotp(secret, code);
  await database.write(async (tx) => {
    if (ok)
      await tx
        .update(operators)
        .set({ lastLoginAt: new Date() })
        .where(eq(operators.id, operatorId));
    await audit(tx, {
      actorType: "operator",
      actorId: operatorId,
      action: ok ? "operator.login" : "operator.login_failed_totp",
      entityType: "operator",
      entityId: operatorId,
      ...client,
    });
  });
  return ok;
}
