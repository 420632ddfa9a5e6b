import type { Database } from "~/db/client";
import { merchantSignupSchema } from "./signup-schema";
import { submitMerchantSignup } from "./signup.server";

/**
 * The demo's one pending sign-up (issue 16), so FlowOps' merchant applications queue has
 * something to approve: through the real sign-up path, as the form would post it.
 */
export async function seedPendingSignup(database: Database) {
  const input = merchantSignupSchema.parse({
    legalName: "Cool Breeze Heating & Air LLC",
    dba: "Cool Breeze HVAC",
    ein: "74-1234567",
    industry: "hvac",
    addressLine1: "400 Congress Ave",
    city: "Austin",
    state: "TX",
    postalCode: "78701",
    expectedMonthlyVolume: "40,000",
    ownerName: "Dana Breeze",
    ownerEmail: "dana@coolbreeze.example",
    ownerPhone: "(512) 555-0199",
    routingNumber: "021000021",
    accountNumber: "000987654321",
  });
  await submitMerchantSignup(database, input, { ip: null, userAgent: "demo seed" });
}
