import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "~/db/client";
import {
  adverseActionNotices,
  applications,
  customers,
  decisions,
  loans,
  manualReviews,
  merchants,
  offers,
  operators,
  serviceJobs,
} from "~/db/schema/index";
import { audit } from "~/app/audit/audit.server";
import { getCipher, type FieldCipher } from "~/app/security/encryption.server";
import {
  createdRange,
  formatDateOfBirth,
  formatSsn,
  maskDateOfBirth,
  maskSsn,
  pageSize,
  type ApplicationFilters,
  type Cursor,
  type RevealField,
} from "./applications";
import { agingBounds, funnelSteps } from "./dashboard-funnel";
import { decisionView } from "./applications-decision";
import { searchApplications } from "./search.server";
import { loadTimeline } from "./timeline.server";
import { RefusalError } from "~/app/errors/refusal";

/**
 * FlowOps applications: the filtered, searchable list (FTS5, migrations 0008 and 0038; a search
 * is ranked by search.server.ts) with keyset pagination on (created_at, id) — newest first, no
 * offsets — and one application's file.
 */
export type ApplicationListRow = {
  id: string;
  status: (typeof applications.$inferSelect)["status"];
  amountCents: number;
  createdAt: Date;
  customerName: string;
  merchantName: string;
  crm: string;
};

const applicationIdPattern = /^app_[0-9a-z]{26}$/;

/**
 * Signed but not funded (the dashboard's funding aging, ADR 079): the literal term of the partial
 * index applications_awaiting_funding_idx (current work, in the list's order); its unary plus
 * keeps the status index from being used for it instead (db/schema/applications.ts).
 */
export const awaitingFundingSql = sql.raw(
  `+"applications"."status" IN ('offer_accepted', 'pending_funding', 'awaiting_completion')`,
);
/** When the borrower signed: the selected offer's selected_at (a primary-key read per row). */
export const signedAtSql = sql`coalesce((SELECT o.selected_at FROM offers o WHERE o.id = "applications"."selected_offer_id"), "applications"."updated_at")`;

export async function listApplications(
  database: Database,
  filters: ApplicationFilters,
  limit = pageSize,
  now = Date.now(),
): Promise<{ rows: ApplicationListRow[]; next: Cursor | null }> {
  const where: (SQL | undefined)[] = [];
  // Funnel drill-down: reached at least this step. A literal bound, so the partial index
  // applications_stage<N>_idx (created_at, id) serves it in the list's order (ADR 079).
  if (filters.stage)
    where.push(sql.raw(`"applications"."funnel_stage" >= ${funnelSteps.indexOf(filters.stage)}`));
  if (filters.aging) {
    where.push(awaitingFundingSql);
    if (filters.aging !== "any") {
      const { after, atOrBefore } = agingBounds(filters.aging, now);
      where.push(sql`${signedAtSql} <= ${atOrBefore}`);
      if (after !== null) where.push(sql`${signedAtSql} > ${after}`);
    }
  }
  if (filters.status) where.push(eq(applications.status, filters.status));
  if (filters.merchantId) where.push(eq(applications.merchantId, filters.merchantId));
  const { fromMs, toMs } = createdRange(filters);
  if (fromMs !== null) where.push(gte(applications.createdAt, new Date(fromMs)));
  if (toMs !== null) where.push(lt(applications.createdAt, new Date(toMs)));
  if (filters.q && applicationIdPattern.test(filters.q)) {
    where.push(eq(applications.id, filters.q));
  } else if (filters.q) {
    // Free text: the forgiving search, ranked best match first (search.server.ts, ADR 081).
    return searchApplications(database, {
      q: filters.q,
      where: and(...where),
      after: filters.after,
      limit,
    });
  }
  if (filters.after) {
    // A row-value comparison, not `a < x OR (a = x AND b < y)`: SQLite seeks the index to the
    // cursor with it instead of walking every newer row from the top (ADR 072).
    where.push(
      sql`(${applications.createdAt}, ${applications.id}) < (${filters.after.createdAt}, ${filters.after.id})`,
    );
  }
  const rows = await database.db
    .select({
      id: applications.id,
      status: applications.status,
      amountCents: applications.amountCents,
      createdAt: applications.createdAt,
      crm: applications.crm,
      firstName: customers.firstName,
      lastName: customers.lastName,
      merchantName: merchants.name,
    })
    .from(applications)
    .innerJoin(customers, eq(customers.id, applications.customerId))
    .innerJoin(merchants, eq(merchants.id, applications.merchantId))
    .where(and(...where))
    .orderBy(desc(applications.createdAt), desc(applications.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit).map(({ firstName, lastName, ...row }) => ({
    ...row,
    customerName: `${firstName} ${lastName}`,
  }));
  const last = page[page.length - 1];
  return {
    rows: page,
    next: rows.length > limit && last ? { createdAt: last.createdAt.getTime(), id: last.id } : null,
  };
}

export async function listMerchants(database: Database) {
  return database.db
    .select({ id: merchants.id, name: merchants.name })
    .from(merchants)
    .orderBy(asc(merchants.name));
}

function dateOfBirthOf(customer: { dateOfBirthEnc: string | null }, cipher: FieldCipher) {
  if (!customer.dateOfBirthEnc) return null;
  try {
    const value = cipher.decrypt(customer.dateOfBirthEnc, "customers.date_of_birth");
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * One application's file for FlowOps, with SSN and date of birth masked. `evidence: false` (an
 * operator without read:credit_evidence, ADR 082) leaves out the credit evidence — the
 * decisions' internals (score, credit report, rules, tier, reasons, offers' pricing), stated
 * income and housing cost, manual reviews' reasons, the notices' reasons and the audit records'
 * details in the timeline — before anything
 * reaches a page: each decision is then only its outcome (`outcomes`, always present).
 */
export async function loadApplicationDetail(
  database: Database,
  applicationId: string,
  options: { cipher?: FieldCipher; evidence?: boolean } = {},
) {
  const evidence = options.evidence ?? true;
  const db = database.db;
  const application = await db.query.applications.findFirst({
    where: eq(applications.id, applicationId),
  });
  if (!application) return null;
  const [customer, merchant, job, decisionRows, offerRows, reviews, notices, loan] =
    await Promise.all([
      db.query.customers.findFirst({ where: eq(customers.id, application.customerId) }),
      db.query.merchants.findFirst({ where: eq(merchants.id, application.merchantId) }),
      db.query.serviceJobs.findFirst({ where: eq(serviceJobs.id, application.serviceJobId) }),
      db
        .select()
        .from(decisions)
        .where(eq(decisions.applicationId, applicationId))
        .orderBy(desc(decisions.decidedAt), desc(decisions.id)),
      db
        .select()
        .from(offers)
        .where(eq(offers.applicationId, applicationId))
        .orderBy(asc(offers.termMonths)),
      db
        .select()
        .from(manualReviews)
        .where(eq(manualReviews.applicationId, applicationId))
        .orderBy(desc(manualReviews.createdAt)),
      db
        .select()
        .from(adverseActionNotices)
        .where(eq(adverseActionNotices.applicationId, applicationId))
        .orderBy(desc(adverseActionNotices.createdAt)),
      db.query.loans.findFirst({ where: eq(loans.applicationId, applicationId) }),
    ]);
  if (!customer || !merchant) return null;
  const operatorIds = [
    ...decisionRows.map((d) => d.decidedBy),
    ...reviews.flatMap((r) => [r.assignedTo, r.resolvedBy]),
  ].filter((id): id is string => Boolean(id));
  const people =
    operatorIds.length > 0
      ? await db
          .select({ id: operators.id, name: operators.name })
          .from(operators)
          .where(inArray(operators.id, [...new Set(operatorIds)]))
      : [];
  const names = new Map(people.map((p) => [p.id, p.name]));
  const timeline = await loadTimeline(database, {
    application,
    reviewIds: reviews.map((r) => r.id),
    operatorNames: names,
  });
  const dateOfBirth = dateOfBirthOf(customer, options.cipher ?? getCipher());

  return {
    application: {
      id: application.id,
      status: application.status,
      amountCents: application.amountCents,
      monthlyIncomeCents: evidence ? application.monthlyIncomeCents : null,
      housingCostCents: evidence ? application.housingCostCents : null,
      crm: application.crm,
      step: application.step,
      bankLinkStatus: application.bankLinkStatus,
      kycStatus: application.kycStatus,
      createdAt: application.createdAt.toISOString(),
      submittedAt: application.submittedAt?.toISOString() ?? null,
      decidedAt: application.decidedAt?.toISOString() ?? null,
      selectedOfferId: application.selectedOfferId,
    },
    customer: {
      id: customer.id,
      name: `${customer.firstName} ${customer.lastName}`,
      email: customer.email,
      phone: customer.phone,
      address: [
        customer.addressLine1,
        [customer.city, customer.state, customer.postalCode].filter(Boolean).join(" "),
      ]
        .filter(Boolean)
        .join(", "),
      crmCustomerId: customer.crmCustomerId,
      ssnMasked: maskSsn(customer.ssnLast4),
      hasSsn: Boolean(customer.ssnEnc),
      dateOfBirthMasked: maskDateOfBirth(dateOfBirth),
      hasDateOfBirth: Boolean(customer.dateOfBirthEnc),
    },
    merchant: { id: merchant.id, name: merchant.name },
    job: job
      ? { crmJobId: job.crmJobId, description: job.description, estimateCents: job.estimateCents }
      : null,
    evidence,
    decisions: evidence
      ? decisionRows.map((row) =>
          decisionView(
            row,
            offerRows.filter((o) => o.decisionId === row.id),
            row.decidedBy ? (names.get(row.decidedBy) ?? row.decidedBy) : null,
          ),
        )
      : [],
    outcomes: decisionRows.map((row) => ({
      id: row.id,
      status: row.status,
      decidedAt: row.decidedAt.toISOString(),
      decidedBy: row.decidedBy ? (names.get(row.decidedBy) ?? row.decidedBy) : null,
    })),
    reviews: reviews.map((r) => ({
      id: r.id,
      reason: evidence ? r.reason : null,
      priority: r.priority,
      status: r.status,
      resolution: evidence ? r.resolution : null,
      assignee: r.assignedTo ? (names.get(r.assignedTo) ?? r.assignedTo) : null,
      resolver: r.resolvedBy ? (names.get(r.resolvedBy) ?? r.resolvedBy) : null,
      resolvedAt: r.resolvedAt?.toISOString() ?? null,
      createdAt: r.createdAt.toISOString(),
    })),
    notices: notices.map((n) => ({
      id: n.id,
      decisionId: n.decisionId,
      reasons: evidence ? n.reasons : [],
      createdAt: n.createdAt.toISOString(),
      sentAt: n.sentAt?.toISOString() ?? null,
    })),
    loan: loan
      ? {
          id: loan.id,
          status: loan.status,
          lender: loan.lender,
          lenderLoanId: loan.lenderLoanId,
          disbursementId: loan.disbursementId,
          principalCents: loan.principalCents,
          amountCents: loan.amountCents,
          disbursementCents: loan.disbursementCents,
          fundedAmountCents: loan.fundedAmountCents,
          fundedAt: loan.fundedAt?.toISOString() ?? null,
          createdAt: loan.createdAt.toISOString(),
          attempt: loan.attempt,
          // Funding on completion (ADR 050): what was paid so far, and where the release stands.
          releasedCents: loan.releasedCents,
          upfrontCents: loan.upfrontCents,
          release:
            loan.status === "awaiting_completion"
              ? {
                  completedAt: loan.completionMarkedAt?.toISOString() ?? null,
                  pausedAt: loan.releasePausedAt?.toISOString() ?? null,
                }
              : null,
          decline: loan.declinedAt
            ? {
                code: loan.declineCode ?? "not_given",
                message: loan.declineMessage ?? "",
                at: loan.declinedAt.toISOString(),
              }
            : null,
        }
      : null,
    // Audit records carry the decision's tier and reasons, a review's notes: without the
    // permission, the timeline says what happened, when and by whom — not those details.
    timeline: evidence
      ? timeline
      : timeline.map((event) => (event.source === "audit" ? { ...event, detail: null } : event)),
  };
}

export type ApplicationDetail = NonNullable<Awaited<ReturnType<typeof loadApplicationDetail>>>;

export class RevealError extends RefusalError<404 | 409> {
  // The status: 404: no such application; 409: nothing on file to reveal.
  override name = "RevealError";
}

/**
 * Reveals a customer's SSN or date of birth to an operator who may see it (the caller checked
 * reveal:pii) and gave a reason: the audit record ("pii.reveal", { field, reason }) commits
 * before the value is returned, so no value is shown without its record. The value goes to this
 * one response only — it is never stored or logged.
 */
export async function revealPii(
  database: Database,
  args: {
    applicationId: string;
    field: RevealField;
    reason: string;
    operatorId: string;
    client: { ip: string | null; userAgent: string | null };
    cipher?: FieldCipher;
  },
): Promise<string> {
  const row = await database.db
    .select({
      customerId: customers.id,
      ssnEnc: customers.ssnEnc,
      dateOfBirthEnc: customers.dateOfBirthEnc,
    })
    .from(applications)
    .innerJoin(customers, eq(customers.id, applications.customerId))
    .where(eq(applications.id, args.applicationId))
    .get();
  if (!row) throw new RevealError("Application not found", 404);
  const stored = args.field === "ssn" ? row.ssnEnc : row.dateOfBirthEnc;
  if (!stored) throw new RevealError("Nothing on file to reveal");
  const cipher = args.cipher ?? getCipher();
  // Decrypt before the write: no crypto inside a write transaction, and no record of a reveal
  // that could not happen.
  const plain = cipher.decrypt(
    stored,
    args.field === "ssn" ? "customers.ssn" : "customers.date_of_birth",
  );
  await database.write((tx) =>
    audit(tx, {
      actorType: "operator",
      actorId: args.operatorId,
      ...args.client,
      action: "pii.reveal",
      entityType: "application",
      entityId: args.applicationId,
      details: { field: args.field, reason: args.reason, customerId: row.customerId },
    }),
  );
  return args.field === "ssn" ? formatSsn(plain) : formatDateOfBirth(plain);
}
