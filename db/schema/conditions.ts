import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, reference, timestamp, timestamps } from "./columns";
import { applications } from "./applications";
import { decisions, manualReviews } from "./decisioning";

/**
 * Funding conditions (ADR 035): what an underwriter required at approval, one row per item.
 * An application with an item that is not `cleared` is never disbursed; clearing the last one
 * releases the disbursement through the outbox.
 */
export const conditionKinds = [
  "proof_of_income",
  "identity_document",
  "proof_of_address",
  "other",
] as const;
export type ConditionKind = (typeof conditionKinds)[number];

export const conditionStatuses = ["pending", "submitted", "cleared", "rejected"] as const;
export type ConditionStatus = (typeof conditionStatuses)[number];

export const loanConditions = sqliteTable(
  "loan_conditions",
  {
    id: text("id").primaryKey(),
    applicationId: reference("application_id", () => applications.id),
    /** The underwriter's approval that set the condition. */
    decisionId: text("decision_id").references(() => decisions.id),
    kind: text("kind", { enum: conditionKinds }).notNull(),
    description: text("description").notNull(),
    status: text("status", { enum: conditionStatuses }).notNull().default("pending"),
    createdBy: text("created_by").notNull(),
    submittedAt: timestamp("submitted_at"),
    reviewedBy: text("reviewed_by"),
    reviewedAt: timestamp("reviewed_at"),
    /** The operator's note: why it was cleared, or (shown to the borrower) why it was rejected. */
    reviewNote: text("review_note"),
    ...timestamps,
  },
  (t) => [index("loan_conditions_app_idx").on(t.applicationId, t.status)],
);

/** A borrower's upload for a condition: type checked by content, bytes encrypted (ADR 004). */
export const conditionUploads = sqliteTable(
  "condition_uploads",
  {
    id: text("id").primaryKey(),
    conditionId: reference("condition_id", () => loanConditions.id),
    applicationId: reference("application_id", () => applications.id),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    sha256: text("sha256").notNull(),
    /** The file, base64, encrypted with context "condition_uploads.bytes". */
    bytesEnc: text("bytes_enc").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at")
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [
    index("condition_uploads_condition_idx").on(t.conditionId, t.createdAt),
    // An application's uploads (the conditions page, the review workspace's documents, ADR 074)
    // without reading every upload's row.
    index("condition_uploads_app_idx").on(t.applicationId, t.createdAt),
  ],
);

/**
 * A decline whose reasons the decision's evidence does not all support (ADR 036): it waits for
 * a second operator. Only the approved reasons reach the adverse action notice.
 */
export const declineProposals = sqliteTable(
  "decline_proposals",
  {
    id: text("id").primaryKey(),
    manualReviewId: reference("manual_review_id", () => manualReviews.id),
    applicationId: reference("application_id", () => applications.id),
    reasonCodes: json<string[]>("reason_codes").notNull(),
    unsupportedCodes: json<string[]>("unsupported_codes").notNull(),
    justification: text("justification").notNull(),
    notes: text("notes").notNull(),
    status: text("status", { enum: ["pending", "approved", "rejected", "withdrawn"] })
      .notNull()
      .default("pending"),
    proposedBy: text("proposed_by").notNull(),
    resolvedBy: text("resolved_by"),
    resolvedAt: timestamp("resolved_at"),
    resolutionNote: text("resolution_note"),
    /** The decline decision made when approved. */
    decisionId: text("decision_id"),
    ...timestamps,
  },
  (t) => [index("decline_proposals_review_idx").on(t.manualReviewId, t.status)],
);

/**
 * Consent texts, verbatim, by version, with their SHA-256 (docs/product/lending.md "More on consent").
 * Immutable: triggers refuse UPDATE and DELETE; consent rows of these kinds must name a
 * (version, sha256) pair that is here.
 */
export const consentTextVersions = sqliteTable("consent_texts", {
  version: text("version").primaryKey(),
  kind: text("kind").notNull(),
  title: text("title").notNull(),
  text: text("text").notNull(),
  sha256: text("sha256").notNull(),
  createdAt: timestamp("created_at")
    .notNull()
    .$defaultFn(() => new Date()),
});
