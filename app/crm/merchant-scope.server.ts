import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import {
  applicationLinks,
  applications,
  customers,
  decisions,
  loans,
  messages,
  offers,
  refunds,
  serviceJobs,
} from "~/db/schema/index";

type Reader = Database["db"] | Tx;

/** The status resource's row (statusRow): times in epoch ms, as stored. */
export type StatusRow = {
  id: string;
  status: (typeof applications.$inferSelect)["status"];
  amount_cents: number;
  superseded_by_id: string | null;
  created_at: number;
  updated_at: number;
  crm_customer_id: string;
  crm_job_id: string;
  decision_status: (typeof decisions.$inferSelect)["status"] | null;
  decided_at: number | null;
  term_months: number | null;
  apr: string | null;
  monthly_payment_cents: number | null;
  loan_id: string | null;
  loan_status: (typeof loans.$inferSelect)["status"] | null;
  funded_amount_cents: number | null;
  funded_at: number | null;
  released_cents: number | null;
  refunded_cents: number | null;
  link_expires_at: number | null;
  link_revoked_at: number | null;
  sms_status: (typeof messages.$inferSelect)["status"] | null;
};

/**
 * The one place CRM-facing queries read merchant data: every query here is filtered by the
 * caller's merchant id, so an API key of merchant A can never see merchant B's rows — a wrong
 * merchant simply finds nothing (404), and nothing about B leaks.
 */
export function merchantScope(merchantId: string) {
  return {
    merchantId,

    async application(reader: Reader, applicationId: string) {
      return reader
        .select()
        .from(applications)
        .innerJoin(customers, eq(customers.id, applications.customerId))
        .innerJoin(serviceJobs, eq(serviceJobs.id, applications.serviceJobId))
        .where(and(eq(applications.id, applicationId), eq(applications.merchantId, merchantId)))
        .get();
    },

    async customerByCrmId(reader: Reader, crmCustomerId: string) {
      return reader
        .select()
        .from(customers)
        .where(
          and(eq(customers.merchantId, merchantId), eq(customers.crmCustomerId, crmCustomerId)),
        )
        .get();
    },

    async serviceJobByCrmId(reader: Reader, crmJobId: string) {
      return reader
        .select()
        .from(serviceJobs)
        .where(and(eq(serviceJobs.merchantId, merchantId), eq(serviceJobs.crmJobId, crmJobId)))
        .get();
    },

    /** The application's link that still works (its encrypted token and expiry), if any. */
    async currentLink(reader: Reader, applicationId: string) {
      return reader
        .select({ tokenEnc: applicationLinks.tokenEnc, expiresAt: applicationLinks.expiresAt })
        .from(applicationLinks)
        .innerJoin(applications, eq(applications.id, applicationLinks.applicationId))
        .where(
          and(
            eq(applicationLinks.applicationId, applicationId),
            eq(applications.merchantId, merchantId),
            isNull(applicationLinks.revokedAt),
          ),
        )
        .orderBy(desc(applicationLinks.createdAt))
        .limit(1)
        .get();
    },

    /**
     * Everything the status resource shows (docs/product/api.md `GET /api/v1/crm/applications/{id}`)
     * in ONE statement: the application with its customer's and job's CRM ids, its latest decision,
     * selected offer, loan (and what was refunded of it), latest link and latest text — each an
     * index seek (ADR 086). The route is polled; seven statements with whole rows (offer and loan
     * schedules decoded) cost ≈7× this one's CPU for the same answer. Null when not this merchant's.
     */
    async statusRow(reader: Reader, applicationId: string) {
      const rows = await reader.all<StatusRow>(sql`
        SELECT a.id, a.status, a.amount_cents, a.superseded_by_id, a.created_at, a.updated_at,
          c.crm_customer_id, j.crm_job_id,
          d.status AS decision_status, d.decided_at,
          o.term_months, o.apr, o.monthly_payment_cents,
          l.id AS loan_id, l.status AS loan_status, l.funded_amount_cents, l.funded_at, l.released_cents,
          CASE WHEN l.id IS NULL THEN NULL ELSE (SELECT coalesce(sum(r.amount_cents), 0) FROM refunds r
            WHERE r.loan_id = l.id AND r.status = 'completed') END AS refunded_cents,
          k.expires_at AS link_expires_at, k.revoked_at AS link_revoked_at,
          m.status AS sms_status
        FROM applications a
        JOIN customers c ON c.id = a.customer_id
        JOIN service_jobs j ON j.id = a.service_job_id
        LEFT JOIN decisions d ON d.id = (SELECT id FROM decisions WHERE application_id = a.id
          ORDER BY decided_at DESC, id DESC LIMIT 1)
        LEFT JOIN offers o ON o.id = a.selected_offer_id
        LEFT JOIN loans l ON l.application_id = a.id AND l.merchant_id = a.merchant_id
        LEFT JOIN application_links k ON k.id = (SELECT id FROM application_links
          WHERE application_id = a.id ORDER BY created_at DESC LIMIT 1)
        LEFT JOIN messages m ON m.id = (SELECT id FROM messages WHERE application_id = a.id
          AND merchant_id = a.merchant_id AND channel = 'sms' ORDER BY created_at DESC LIMIT 1)
        WHERE a.id = ${applicationId} AND a.merchant_id = ${merchantId}`);
      return rows[0];
    },

    /** Latest decision, selected offer, loan, link and text of an application already scoped above. */
    async applicationDetails(reader: Reader, applicationId: string) {
      const [decision, selectedOffer, loan, link, sms] = await Promise.all([
        reader
          .select({ status: decisions.status, decidedAt: decisions.decidedAt })
          .from(decisions)
          .where(eq(decisions.applicationId, applicationId))
          .orderBy(desc(decisions.decidedAt))
          .limit(1)
          .get(),
        reader
          .select()
          .from(offers)
          .innerJoin(applications, eq(applications.selectedOfferId, offers.id))
          .where(and(eq(applications.id, applicationId), eq(applications.merchantId, merchantId)))
          .get(),
        reader
          .select()
          .from(loans)
          .where(and(eq(loans.applicationId, applicationId), eq(loans.merchantId, merchantId)))
          .get(),
        reader
          .select({ expiresAt: applicationLinks.expiresAt, revokedAt: applicationLinks.revokedAt })
          .from(applicationLinks)
          .where(eq(applicationLinks.applicationId, applicationId))
          .orderBy(desc(applicationLinks.createdAt))
          .limit(1)
          .get(),
        reader
          .select({ status: messages.status })
          .from(messages)
          .where(
            and(
              eq(messages.applicationId, applicationId),
              eq(messages.merchantId, merchantId),
              eq(messages.channel, "sms"),
            ),
          )
          .orderBy(desc(messages.createdAt))
          .limit(1)
          .get(),
      ]);
      // What the lender confirmed refunding (ADR 053): the status API's loan.refunded_cents.
      const refunded = loan
        ? await reader
            .select({ cents: sql<number>`coalesce(sum(${refunds.amountCents}), 0)` })
            .from(refunds)
            .where(and(eq(refunds.loanId, loan.id), eq(refunds.status, "completed")))
            .get()
        : undefined;
      const refundedCents = Number(refunded?.cents ?? 0);
      return { decision, selectedOffer: selectedOffer?.offers, loan, link, sms, refundedCents };
    },
  };
}

export type MerchantScope = ReturnType<typeof merchantScope>;
