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
