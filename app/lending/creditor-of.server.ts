/**
 * The lender behind one application, for the borrower's pages: the loan's lender once a loan
 * row exists (a reroute changes it, ADR 032), else the merchant's. Its creditor identity
 * (ADR 033) names the creditor on the offers, the agreement and the notices.
 */
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { loans } from "~/db/schema/index";
import type { Creditor } from "./creditors";
import { creditorFor } from "./lenders.server";

export async function applicationLoan(database: Database, applicationId: string) {
  return database.db.select().from(loans).where(eq(loans.applicationId, applicationId)).get();
}

export async function creditorOfApplication(
  database: Database,
  application: { id: string },
  merchant: { lender: string },
): Promise<Creditor> {
  const loan = await database.db
    .select({ lender: loans.lender })
    .from(loans)
    .where(eq(loans.applicationId, application.id))
    .get();
  return creditorFor(loan?.lender ?? merchant.lender);
}
