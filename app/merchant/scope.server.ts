import { and, asc, desc, eq, inArray, like, lt, or, sql } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import {
  apiKeys,
  applicationLinks,
  applications,
  auditLogs,
  crmConnections,
  customers,
  merchantMemberships,
  merchantUsers,
  merchants,
  messages,
  serviceJobs,
} from "~/db/schema/index";
import type { ApplicationStatus } from "~/db/schema/applications";
import { merchantScope } from "~/app/crm/merchant-scope.server";
import { merchantPayouts, monthlyStatement } from "~/app/lending/payouts.server";
import { merchantOverview } from "./overview.server";
import { loadWriteHealth } from "~/app/crm-sync/write-health.server";

type Reader = Database["db"] | Tx;

export type ApplicationCursor = { createdAt: number; id: string };

/**
 * Every query the merchant portal makes, in one place (ADR 060). Built on the CRM API's
 * merchantScope (app/crm/merchant-scope.server.ts), it filters every read and every write's
 * lookup by the signed-in user's selected merchant: an id of another merchant finds nothing,
 * and the route answers 404. No portal route imports a table — they get a scope from
 * requirePortal (guard.server.ts) and call it.
 *
 * What leaves this module for the screens never includes borrower PII beyond what the merchant
 * itself sent us (name, phone, e-mail, job), and not those unmasked in lists: no SSN, date of
 * birth, income, housing cost, bank data, credit data or decline reasons are selected at all.
 */
export function portalScope(merchantId: string) {
  const crm = merchantScope(merchantId);
  return {
    merchantId,

    /** The merchant's own row (limits, name) — for the send-a-link form. */
    async merchant(reader: Reader) {
      return reader.select().from(merchants).where(eq(merchants.id, merchantId)).get();
    },

    // ---- overview ------------------------------------------------------------------------

    /**
     * Applications by status, the funnel and the funded totals, from the per-merchant rollups
     * (./overview.server.ts, ADR 079): a few rows per day, never the merchant's applications.
     */
    overview(reader: Reader) {
      return merchantOverview(reader, merchantId);
    },

    /** What the ledger says about payouts (app/lending/payouts.server.ts), for this merchant only. */
    payouts(database: Database) {
      return merchantPayouts(database, merchantId);
    },

    /** The merchant's statement of `month` (YYYY-MM) as data, CSV and PDF (ADR 057). */
    statement(database: Database, month: string) {
      return monthlyStatement(database, merchantId, month);
    },

    // ---- applications --------------------------------------------------------------------

    /**
     * One page of applications, newest first, keyset-paginated on (created_at, id): `after` is
     * the last row of the previous page. `q` matches the customer's name, the application id
     * or the job's id; `status` filters on the stored status.
     */
    async applicationsPage(
      reader: Reader,
      options: { q?: string; status?: ApplicationStatus; after?: ApplicationCursor; limit: number },
    ) {
      const q = options.q?.trim();
      const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
      const search = pattern
        ? or(
            sql`${customers.firstName} || ' ' || ${customers.lastName} like ${pattern} escape '\\'`,
            like(applications.id, pattern),
            sql`${serviceJobs.crmJobId} like ${pattern} escape '\\'`,
          )
        : undefined;
      const after = options.after
        ? or(
            lt(applications.createdAt, new Date(options.after.createdAt)),
            and(
              eq(applications.createdAt, new Date(options.after.createdAt)),
              lt(applications.id, options.after.id),
            ),
          )
        : undefined;
      const rows = await reader
        .select({
          id: applications.id,
          status: applications.status,
          amountCents: applications.amountCents,
          createdAt: applications.createdAt,
          updatedAt: applications.updatedAt,
          firstName: customers.firstName,
          lastName: customers.lastName,
          crmJobId: serviceJobs.crmJobId,
          linkExpiresAt: sql<
            number | null
          >`(select max(${applicationLinks.expiresAt}) from ${applicationLinks} where ${applicationLinks.applicationId} = ${applications.id} and ${applicationLinks.revokedAt} is null)`,
        })
        .from(applications)
        .innerJoin(customers, eq(customers.id, applications.customerId))
        .innerJoin(serviceJobs, eq(serviceJobs.id, applications.serviceJobId))
        .where(
          and(
            eq(applications.merchantId, merchantId),
            options.status ? eq(applications.status, options.status) : undefined,
            search,
            after,
          ),
        )
        .orderBy(desc(applications.createdAt), desc(applications.id))
        .limit(options.limit + 1);
      const more = rows.length > options.limit;
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return {
        rows: page,
        next: more && last ? { createdAt: last.createdAt.getTime(), id: last.id } : null,
      };
    },

    /**
     * One application for its portal page, or null when it is not this merchant's. Only the
     * columns the merchant may see are selected.
     */
    async application(reader: Reader, applicationId: string) {
      const row = await reader
        .select({
          id: applications.id,
          status: applications.status,
          amountCents: applications.amountCents,
          crm: applications.crm,
          createdAt: applications.createdAt,
          submittedAt: applications.submittedAt,
          decidedAt: applications.decidedAt,
          canceledAt: applications.canceledAt,
          supersededById: applications.supersededById,
          firstName: customers.firstName,
          lastName: customers.lastName,
          phone: customers.phone,
          email: customers.email,
          crmCustomerId: customers.crmCustomerId,
          crmJobId: serviceJobs.crmJobId,
          jobDescription: serviceJobs.description,
        })
        .from(applications)
        .innerJoin(customers, eq(customers.id, applications.customerId))
        .innerJoin(serviceJobs, eq(serviceJobs.id, applications.serviceJobId))
        .where(and(eq(applications.id, applicationId), eq(applications.merchantId, merchantId)))
        .get();
      if (!row) return null;
      // The CRM API's own read of the rest (decision, loan, link, latest text), scoped the same.
      const details = await crm.applicationDetails(reader, applicationId);
      const { link, sms, decision, loan } = details;
      return {
        ...row,
        link,
        sms,
        decision,
        // Only the funding: never the lender's refusal text.
        loan: loan && {
          status: loan.status,
          fundedAmountCents: loan.fundedAmountCents,
          merchantFeeCents: loan.merchantFeeCents,
          fundedAt: loan.fundedAt,
        },
      };
    },

    /**
     * What happened to an application, for its timeline: audit actions (never their details),
     * messages (channel, template, status — never the body or the address). The caller keeps
     * only the entries app/merchant/timeline.ts allows.
     */
    async timelineSources(reader: Reader, applicationId: string) {
      const owned = await reader
        .select({ id: applications.id })
        .from(applications)
        .where(and(eq(applications.id, applicationId), eq(applications.merchantId, merchantId)))
        .get();
      if (!owned) return null;
      const [actions, texts] = await Promise.all([
        reader
          .select({ action: auditLogs.action, at: auditLogs.at })
          .from(auditLogs)
          .where(
            and(eq(auditLogs.entityType, "application"), eq(auditLogs.entityId, applicationId)),
          )
          .orderBy(asc(auditLogs.id))
          .limit(200),
        reader
          .select({
            channel: messages.channel,
            template: messages.template,
            status: messages.status,
            at: messages.createdAt,
          })
          .from(messages)
          .where(eq(messages.applicationId, applicationId))
          .orderBy(asc(messages.createdAt))
          .limit(200),
      ]);
      return { actions, messages: texts };
    },

    // ---- team ----------------------------------------------------------------------------

    async team(reader: Reader) {
      return reader
        .select({
          membershipId: merchantMemberships.id,
          userId: merchantUsers.id,
          email: merchantUsers.email,
          name: merchantUsers.name,
          role: merchantMemberships.role,
          lastLoginAt: merchantUsers.lastLoginAt,
          totpEnabledAt: merchantUsers.totpEnabledAt,
          since: merchantMemberships.createdAt,
        })
        .from(merchantMemberships)
        .innerJoin(merchantUsers, eq(merchantUsers.id, merchantMemberships.userId))
        .where(eq(merchantMemberships.merchantId, merchantId))
        .orderBy(asc(merchantMemberships.createdAt));
    },

    async membership(reader: Reader, membershipId: string) {
      return reader
        .select({ id: merchantMemberships.id, role: merchantMemberships.role })
        .from(merchantMemberships)
        .where(
          and(
            eq(merchantMemberships.id, membershipId),
            eq(merchantMemberships.merchantId, merchantId),
          ),
        )
        .get();
    },

    // ---- integration ---------------------------------------------------------------------

    async apiKeys(reader: Reader) {
      return reader
        .select({
          id: apiKeys.id,
          name: apiKeys.name,
          mode: apiKeys.mode,
          displayPrefix: apiKeys.displayPrefix,
          expiresAt: apiKeys.expiresAt,
          revokedAt: apiKeys.revokedAt,
          lastUsedAt: apiKeys.lastUsedAt,
          createdAt: apiKeys.createdAt,
        })
        .from(apiKeys)
        .where(eq(apiKeys.merchantId, merchantId))
        .orderBy(desc(apiKeys.createdAt));
    },

    /** Whether `keyId` is one of this merchant's keys (before revoking or rotating it). */
    async ownsApiKey(reader: Reader, keyId: string) {
      const row = await reader
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(eq(apiKeys.id, keyId), eq(apiKeys.merchantId, merchantId)))
        .get();
      return row !== undefined;
    },

    /** How the merchant's CRM write-backs go (ADR 080): failures, last error, last success. */
    crmWriteHealth(reader: Reader) {
      return loadWriteHealth(reader, merchantId);
    },

    /** The merchant's CRM connections: status and identifiers only, never credentials. */
    async crmConnections(reader: Reader) {
      return reader
        .select({
          id: crmConnections.id,
          crm: crmConnections.crm,
          authKind: crmConnections.authKind,
          status: crmConnections.status,
          subdomain: crmConnections.subdomain,
          officeId: crmConnections.officeId,
          verifiedAt: crmConnections.verifiedAt,
          lastError: crmConnections.lastError,
          updatedAt: crmConnections.updatedAt,
        })
        .from(crmConnections)
        .where(
          and(
            eq(crmConnections.merchantId, merchantId),
            inArray(crmConnections.status, ["pending", "connected", "error"]),
          ),
        );
    },
  };
}

export type PortalScope = ReturnType<typeof portalScope>;
