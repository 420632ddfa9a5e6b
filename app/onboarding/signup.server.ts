import { audit } from "~/app/audit/audit.server";
import { createRateLimiter } from "~/app/api/rate-limit.server";
import { queueEmail } from "~/app/messaging/email.server";
import { getCipher } from "~/app/security/encryption.server";
import { singleton } from "~/app/singleton.server";
import type { Database } from "~/db/client";
import { newId } from "~/db/ids";
import { merchantApplications } from "~/db/schema/index";
import { nudgeRunner } from "~/jobs/nudge.server";
import type { MerchantSignup } from "./signup-schema";

/** The AAD of the payout account number (app/security/reencrypt.server.ts lists it). */
export const accountNumberContext = "merchant_applications.account_number";

/** Sign-ups a minute per client address: a person fills in one; a script gets nowhere. */
const signupsPerMinute = 5;

export type SignupClient = { ip: string | null; userAgent: string | null };

/** Whether this address may submit another sign-up now (per minute, every process, ADR 084). */
export async function signupAllowed(client: SignupClient) {
  const limiter = singleton("merchantSignupLimiter", () =>
    createRateLimiter("signup", signupsPerMinute),
  );
  return (await limiter.consume(`signup:${client.ip ?? "unknown"}`)).allowed;
}

/**
 * Records a merchant's sign-up for FlowOps' review (docs/product/merchants-and-money.md,
 * "Onboarding"; ADR 065): the payout account number encrypted, only its last 4 kept in clear;
 * the owner is e-mailed that it arrived. Nothing else happens until an operator approves it.
 */
export async function submitMerchantSignup(
  database: Database,
  input: MerchantSignup,
  client: SignupClient,
): Promise<{ id: string }> {
  const id = newId("mapp");
  // Encryption before the transaction: nothing but its own statements inside it.
  const accountNumberEnc = getCipher().encrypt(input.accountNumber, accountNumberContext);
  await database.write(async (tx) => {
    await tx.insert(merchantApplications).values({
      id,
      legalName: input.legalName,
      dba: input.dba ?? null,
      ein: input.ein,
      addressLine1: input.addressLine1,
      city: input.city,
      state: input.state,
      postalCode: input.postalCode,
      industry: input.industry,
      ownerName: input.ownerName,
      ownerEmail: input.ownerEmail.toLowerCase(),
      ownerPhone: `+1${input.ownerPhone}`,
      routingNumber: input.routingNumber,
      accountNumberEnc,
      accountLast4: input.accountNumber.slice(-4),
      expectedMonthlyVolumeCents: input.expectedMonthlyVolume,
    });
    await audit(tx, {
      actorType: "system",
      ...client,
      action: "merchant_application.submitted",
      entityType: "merchant_application",
      entityId: id,
      details: { industry: input.industry },
    });
    await queueEmail(tx, {
      to: input.ownerEmail.toLowerCase(),
      template: "merchant_application_received",
      subject: "FlowPay: we received your application",
      text: [
        `Hello ${input.ownerName},`,
        ``,
        `Thank you for applying to offer FlowPay financing for ${input.dba ?? input.legalName}. Our team reviews every application, usually within one business day, and will e-mail you at this address with the answer — and, once approved, a link to sign in to your merchant portal.`,
        ``,
        `Reference: ${id}`,
        ``,
        `— FlowPay`,
      ].join("\n"),
    });
  });
  nudgeRunner();
  return { id };
}
