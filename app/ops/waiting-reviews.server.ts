import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import {
  applications,
  customers,
  infoRequests,
  manualReviews,
  merchants,
  operators,
} from "~/db/schema/index";

/**
 * The reviews waiting for the borrower's answer to an information request (ADR 076). They are
 * out of the queue — nobody can act on them — but an underwriter still needs them in sight: who
 * was asked, since when, and when the request times out and the review comes back. Oldest first,
 * through a partial index of exactly these rows (no sort, no scan of the other reviews).
 */
export async function listWaitingForBorrower(database: Database, limit = 50) {
  const [rows, [count]] = await Promise.all([
    database.db
      .select({
        id: manualReviews.id,
        firstName: customers.firstName,
        lastName: customers.lastName,
        merchantName: merchants.name,
        amountCents: applications.amountCents,
        assigneeName: operators.name,
        askedAt: infoRequests.createdAt,
        dueAt: infoRequests.dueAt,
      })
      .from(manualReviews)
      .innerJoin(applications, eq(applications.id, manualReviews.applicationId))
      .innerJoin(customers, eq(customers.id, applications.customerId))
      .innerJoin(merchants, eq(merchants.id, applications.merchantId))
      .leftJoin(operators, eq(operators.id, manualReviews.assignedTo))
      .innerJoin(
        infoRequests,
        and(eq(infoRequests.manualReviewId, manualReviews.id), eq(infoRequests.status, "open")),
      )
      // Literal: the partial index manual_reviews_waiting_idx is used only when the WHERE
      // visibly implies its own (ADR 072).
      .where(sql`${manualReviews.status} = 'waiting'`)
      .orderBy(asc(manualReviews.createdAt), asc(manualReviews.id))
      .limit(limit),
    database.db
      .select({ n: sql<number>`count(*)` })
      .from(manualReviews)
      .where(sql`${manualReviews.status} = 'waiting'`),
  ]);
  return {
    total: Number(count?.n ?? 0),
    items: rows.map(({ firstName, lastName, ...row }) => ({
      ...row,
      customerName: `${firstName} ${lastName}`,
    })),
  };
}
