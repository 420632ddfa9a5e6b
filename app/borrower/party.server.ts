import { eq } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { applications, customers, merchants } from "~/db/schema/index";

/**
 * An application with its borrower and merchant — what every message to the borrower needs
 * (their phone and e-mail, the merchant's name), read inside the caller's transaction.
 */
export async function applicationParty(tx: Tx | Database["db"], applicationId: string) {
  return tx
    .select({ application: applications, customer: customers, merchant: merchants })
    .from(applications)
    .innerJoin(customers, eq(customers.id, applications.customerId))
    .innerJoin(merchants, eq(merchants.id, applications.merchantId))
    .where(eq(applications.id, applicationId))
    .get();
}
