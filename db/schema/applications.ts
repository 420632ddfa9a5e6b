import {
  blob,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";
import { cents, encrypted, json, reference, timestamp, timestamps } from "./columns";
import { storedDocument } from "./document-bytes";
import { merchants } from "./merchants";

/** Homeowners, upserted by (merchant, CRM customer id). */
export const customers = sqliteTable(
  "customers",
  {
    id: text("id").primaryKey(),
    merchantId: reference("merchant_id", () => merchants.id),
    crmCustomerId: text("crm_customer_id").notNull(),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull(),
    email: text("email"),
    phone: text("phone").notNull(),
    addressLine1: text("address_line1"),
    city: text("city"),
    state: text("state"),
    postalCode: text("postal_code"),
    ssnEnc: encrypted("ssn_enc"),
    ssnLast4: text("ssn_last4"),
    dateOfBirthEnc: encrypted("date_of_birth_enc"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("customers_merchant_crm_idx").on(t.merchantId, t.crmCustomerId),
    index("customers_email_idx").on(t.email),
    index("customers_phone_idx").on(t.phone),
  ],
);

/** CRM jobs (work orders). Named service_jobs so it never collides with background jobs. */
export const serviceJobs = sqliteTable(
  "service_jobs",
  {
    id: text("id").primaryKey(),
    merchantId: reference("merchant_id", () => merchants.id),
    customerId: reference("customer_id", () => customers.id),
    crmJobId: text("crm_job_id").notNull(),
    description: text("description"),
    estimateCents: cents("estimate_cents").notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex("service_jobs_merchant_crm_idx").on(t.merchantId, t.crmJobId)],
);

export const applicationStatuses = [
  "link_sent",
  "in_progress",
  "submitted",
  "approved",
  "declined",
  "manual_review",
  "offer_accepted",
  "pending_funding",
  "funded",
  "canceled",
  "expired",
  /** The lender refused the loan after the signature (ADR 032): FlowOps reroutes or cancels. */
  "lender_declined",
  /** Signed, the loan exists, and the disbursement waits for the job to be done (on_completion plans). */
  "awaiting_completion",
  /** Funded, then part of the amount refunded to the borrower (the loan was reduced at the lender). */
  "partially_refunded",
  /** Funded, then refunded in full (the loan was closed at the lender). */
  "refunded",
] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

/**
 * "Open": the borrower may still act and nothing is signed. A CRM job has at most one open
 * application (the partial unique index below); a new offer for the job with another amount
 * supersedes it (ADR 026). Signed ones (offer_accepted, pending_funding, funded) are never
 * superseded; declined, canceled and expired ones no longer count.
 */
export const openApplicationStatuses = [
  "link_sent",
  "in_progress",
  "submitted",
  "approved",
  "manual_review",
] as const satisfies readonly ApplicationStatus[];
export const signedApplicationStatuses = [
  "offer_accepted",
  "pending_funding",
  "funded",
] as const satisfies readonly ApplicationStatus[];

export const applications = sqliteTable(
  "applications",
  {
    id: text("id").primaryKey(),
    merchantId: reference("merchant_id", () => merchants.id),
    customerId: reference("customer_id", () => customers.id),
    serviceJobId: reference("service_job_id", () => serviceJobs.id),
    crm: text("crm").notNull(),
    status: text("status", { enum: applicationStatuses }).notNull().default("link_sent"),
    amountCents: cents("amount_cents").notNull(),
    monthlyIncomeCents: cents("monthly_income_cents"),
    housingCostCents: cents("housing_cost_cents"),
    /** Where the borrower is in the journey (the borrower issue names the steps). */
    step: text("step"),
    bankLinkStatus: text("bank_link_status"),
    plaidItemId: text("plaid_item_id"),
    plaidAccessTokenEnc: encrypted("plaid_access_token_enc"),
    bankSummary: json<Record<string, unknown>>("bank_summary"),
    kycInquiryId: text("kyc_inquiry_id"),
    kycStatus: text("kyc_status"),
    selectedOfferId: text("selected_offer_id"),
    submittedAt: timestamp("submitted_at"),
    decidedAt: timestamp("decided_at"),
    canceledAt: timestamp("canceled_at"),
    /** Set when a newer offer for the same CRM job replaced this one (canceled, ADR 026). */
    supersededById: text("superseded_by_id"),
    /** The prequalification this application converts (its answers and soft pull reused, ADR 066). */
    prequalificationId: text("prequalification_id"),
    /**
     * How far the application got in the FlowOps funnel (ADR 079), never lower than before:
     * 0 link sent, 1 opened (the borrower started), 2 submitted, 3 decided, 4 signed, 5 funded.
     * Kept by triggers (migration 0036); the dashboard's funnel rollups and drill-downs read it.
     */
    funnelStage: integer("funnel_stage").notNull().default(0),
    ...timestamps,
  },
  (t) => [
    // The dashboard's funnel drill-downs ("reached at least this step"), in the list's order (ADR 079).
    ...([1, 2, 3, 4, 5] as const).map((stage) =>
      index(`applications_stage${stage}_idx`)
        .on(t.createdAt, t.id)
        .where(sql.raw(`funnel_stage >= ${stage}`)),
    ),
    // Signed but not funded: the dashboard's funding aging and its drill-down (current work only).
    // `+status`: a query states the same term to use it, and the unary plus keeps the planner
    // from seeking applications_status_idx three times and sorting instead (ADR 079).
    index("applications_awaiting_funding_idx")
      .on(t.createdAt, t.id)
      .where(sql.raw(`+status IN ('offer_accepted', 'pending_funding', 'awaiting_completion')`)),
    // Lists read newest first on (created_at, id), filtered or not: each filter's index ends in
    // that order, so the first page is read in order and stops (ADR 072).
    index("applications_status_idx").on(t.status, t.createdAt, t.id),
    index("applications_created_idx").on(t.createdAt, t.id),
    index("applications_customer_idx").on(t.customerId),
    index("applications_merchant_idx").on(t.merchantId, t.createdAt, t.id),
    index("applications_merchant_status_idx").on(t.merchantId, t.status, t.createdAt, t.id),
    index("applications_decided_idx").on(t.decidedAt),
    index("applications_job_idx").on(t.serviceJobId),
    // One open application per merchant and CRM job, even for two requests at once (ADR 026).
    uniqueIndex("applications_open_job_idx")
      .on(t.merchantId, t.serviceJobId)
      .where(
        sql.raw(`status IN (${openApplicationStatuses.map((status) => `'${status}'`).join(", ")})`),
      ),
  ],
);

/** Borrower links: the token is random (≥128 bits) and stored only as its SHA-256. */
export const applicationLinks = sqliteTable(
  "application_links",
  {
    id: text("id").primaryKey(),
    applicationId: reference("application_id", () => applications.id),
    tokenHash: text("token_hash").notNull().unique(),
    /**
     * The token, encrypted (lookups use only the hash): a repeated offer for the same job answers
     * with the open application's current link (ADR 026). Null for links made before it.
     */
    tokenEnc: encrypted("token_enc"),
    expiresAt: timestamp("expires_at").notNull(),
    revokedAt: timestamp("revoked_at"),
    ...timestamps,
  },
  (t) => [
    index("application_links_app_idx").on(t.applicationId, t.createdAt),
    // Retention's link_tokens rule finds the tokens to clear here (ADR 090): only links still
    // holding a token are in it (the last days' links), so the probe never grows with history.
    index("application_links_token_held_idx")
      .on(t.expiresAt)
      .where(sql`token_enc IS NOT NULL`),
  ],
);

/** CRM requests replayed by Idempotency-Key return the first response (24 h). */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    merchantId: reference("merchant_id", () => merchants.id),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    responseStatus: integer("response_status").notNull(),
    responseBody: text("response_body").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.key] })],
);

/** Consent records: the exact text version, time, IP and user agent (docs/product/lending.md, "Consent"). */
export const consents = sqliteTable(
  "consents",
  {
    id: text("id").primaryKey(),
    applicationId: reference("application_id", () => applications.id),
    kind: text("kind", {
      enum: ["credit_pull", "esign", "privacy", "sms", "e_signature"],
    }).notNull(),
    textVersion: text("text_version").notNull(),
    textSha256: text("text_sha256").notNull(),
    acceptedAt: timestamp("accepted_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("consents_app_idx").on(t.applicationId)],
);

/**
 * What documents are compressed against (ADR 087): the flushed brotli stream of sample documents
 * rendered by the renderer of the day; a document stores only the rest of the stream. Immutable
 * and content-addressed (SHA-256 of `head`), shared by every document that names it, and never
 * deleted while one does (the foreign key from documents.dictionary_id).
 */
export const documentDictionaries = sqliteTable("document_dictionaries", {
  id: integer("id").primaryKey(),
  sha256: text("sha256").notNull().unique(),
  /** Bytes of the sample the head decodes to, cut off the front of every decoded document. */
  prefixLength: integer("prefix_length").notNull(),
  head: blob("head", { mode: "buffer" }).notNull(),
  createdAt: timestamp("created_at")
    .notNull()
    .$defaultFn(() => new Date()),
});

/** Signed agreements and notices (PDF bytes kept in the database with their SHA-256). */
export const documents = sqliteTable(
  "documents",
  {
    id: text("id").primaryKey(),
    applicationId: reference("application_id", () => applications.id),
    kind: text("kind", {
      enum: ["agreement", "adverse_action_notice", "credit_score_notice"],
    }).notNull(),
    contentType: text("content_type").notNull(),
    sha256: text("sha256").notNull(),
    /**
     * Stored compressed (ADR 085), against a dictionary when `dictionaryId` is set (ADR 087):
     * read through app/storage/documents.server.ts, which gives back the bytes the SHA-256 is of.
     */
    bytes: storedDocument("bytes").notNull(),
    dictionaryId: integer("dictionary_id").references(() => documentDictionaries.id),
    signedName: text("signed_name"),
    signedAt: timestamp("signed_at"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    /** A signed agreement replaced by a re-signed one after an amount change (ADR 054): kept on file. */
    supersededAt: timestamp("superseded_at"),
    ...timestamps,
  },
  (t) => [
    index("documents_app_idx").on(t.applicationId),
    // Documents written before dictionaries, for the compaction of old rows (ADRs 085, 087).
    index("documents_undictionaried_idx")
      .on(t.id)
      .where(sql`dictionary_id IS NULL`),
  ],
);
