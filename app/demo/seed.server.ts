import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { merchants, operators } from "~/db/schema/index";
import { createApiKey } from "~/app/crm/api-keys.server";
import { seedDemoMerchantOwner } from "~/app/merchant/demo.server";
import { createOperator } from "~/app/ops/operators.server";
import { seedPendingSignup } from "~/app/onboarding/demo.server";
import { getCipher } from "~/app/security/encryption.server";

/**
 * The embedded demo's data: these credentials are public on purpose (README) and are seeded
 * only when SEED_DEMO is on, which it never is by default in production.
 */
export const demo = {
  merchantName: "Acme Pest Control",
  merchantSlug: "acme-pest-control",
  operatorEmail: "admin@flowpay.test",
  operatorPassword: "flowpay-demo-password",
  /** Base32 TOTP secret for an authenticator app; `npm run flowpay -- demo totp` prints the code. */
  operatorTotpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  apiKeyFile: "demo-api-key.txt",
  /**
   * A risk analyst beside the admin: rule-set and pricing drafts need a second operator to
   * approve them (ADR 069), so the demo has two. Same password, its own TOTP secret.
   */
  analystEmail: "analyst@flowpay.test",
  analystTotpSecret: "KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF",
} as const;

/** The demo's second operator, also on demo databases seeded before it existed. */
async function seedDemoAnalyst(database: Database) {
  const analyst = await database.db.query.operators.findFirst({
    where: eq(operators.email, demo.analystEmail),
  });
  if (analyst) return;
  await createOperator(database, {
    email: demo.analystEmail,
    name: "Demo Analyst",
    role: "risk_analyst",
    password: demo.operatorPassword,
    totpSecret: demo.analystTotpSecret,
    actor: { actorType: "system", actorId: "seed" },
  });
}

export type SeedResult = { seeded: boolean; apiKey?: string };

/** Seeds the demo once: when the demo merchant already exists, nothing is written again. */
export async function seedDemo(database: Database, dataDir: string): Promise<SeedResult> {
  const existing = await database.db.query.merchants.findFirst({
    where: eq(merchants.slug, demo.merchantSlug),
  });
  if (existing) {
    // The merchant portal came later: demo databases seeded before it get their owner too.
    await seedDemoMerchantOwner(database, existing.id);
    await seedDemoAnalyst(database);
    return { seeded: false };
  }

  const actor = { actorType: "system" as const, actorId: "seed" };
  const account = "000123456789";
  const merchantId = newId("mer");
  await database.write(async (tx) => {
    await tx.insert(merchants).values({
      id: merchantId,
      name: demo.merchantName,
      slug: demo.merchantSlug,
      pricingPlan: "standard",
      merchantFeeBps: 300,
      disbursementAccountEnc: getCipher().encrypt(account, "merchants.disbursement_account"),
      disbursementAccountLast4: account.slice(-4),
      lender: "mock",
    });
  });
  const operator = await database.db.query.operators.findFirst({
    where: eq(operators.email, demo.operatorEmail),
  });
  if (!operator) {
    await createOperator(database, {
      email: demo.operatorEmail,
      name: "Demo Admin",
      role: "admin",
      password: demo.operatorPassword,
      totpSecret: demo.operatorTotpSecret,
      actor,
    });
  }
  const key = await createApiKey(database, {
    merchantSlug: demo.merchantSlug,
    mode: "test",
    name: "demo",
    actor,
  });
  writeFileSync(join(dataDir, demo.apiKeyFile), `${key.key}\n`, { mode: 0o600 });
  await seedPendingSignup(database);
  await seedDemoMerchantOwner(database, merchantId);
  await seedDemoAnalyst(database);
  return { seeded: true, apiKey: key.key };
}
