import type { Database } from "~/db/client";
import { inviteMerchantUser } from "./users.server";

/** The demo merchant's portal owner (public on purpose, like the demo operator: README). */
export const demoMerchantOwner = { email: "owner@acme-pest.test", name: "Acme Owner" } as const;

/**
 * The demo merchant's owner, through the one real path (an invitation: user, membership and an
 * e-mailed sign-in link, visible on /dev/messages in the sandbox). Idempotent: a database that
 * already has the owner gets nothing new, so it also runs for demo databases seeded before.
 */
export async function seedDemoMerchantOwner(database: Database, merchantId: string) {
  return inviteMerchantUser(database, {
    merchantId,
    email: demoMerchantOwner.email,
    name: demoMerchantOwner.name,
    role: "owner",
    invitedBy: "system",
  });
}
