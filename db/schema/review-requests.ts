import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { cents, encrypted, json, reference, timestamp, timestamps } from "./columns";
import { applications } from "./applications";
import { decisions, manualReviews } from "./decisioning";

/**
 * An underwriter's "request information" (issue 18, ADR 076): what the borrower is asked for (a
 * document of a kind and/or an answer to a question), reached through a single-purpose link
 * (`/info/{token}`, only the token's SHA-256 stored). While a request is `open` its review waits
 * (`manual_reviews.status = 'waiting'`) outside the active queue; the answer or the timeout puts
 * it back. The answer's text and file are the borrower's PII: encrypted (ADR 004).
 */
export const infoRequestStatuses = ["open", "answered", "timed_out", "canceled"] as const;
export type InfoRequestStatus = (typeof infoRequestStatuses)[number];

export const infoRequests = sqliteTable(
  "info_requests",
  {
    id: text("id").primaryKey(),
    manualReviewId: reference("manual_review_id", () => manualReviews.id),
    applicationId: reference("application_id", () => applications.id),
    /** A funding-condition kind (db/schema/conditions.ts) when a document is asked for. */
    documentKind: text("document_kind"),
    /** A question the borrower answers in words, when one is asked. */
    question: text("question"),
    /** The underwriter's message, shown to the borrower with the request. */
    message: text("message").notNull(),
    status: text("status", { enum: infoRequestStatuses }).notNull().default("open"),
    tokenHash: text("token_hash").notNull().unique(),
    requestedBy: text("requested_by").notNull(),
    dueAt: timestamp("due_at").notNull(),
    answeredAt: timestamp("answered_at"),
    /** The borrower's answer to the question, encrypted ("info_requests.answer_enc"). */
    answerEnc: encrypted("answer_enc"),
    fileName: text("file_name"),
    contentType: text("content_type"),
    sizeBytes: integer("size_bytes"),
    sha256: text("sha256"),
    /** The file, base64, encrypted like a condition upload (app/borrower/uploads.server.ts). */
    bytesEnc: encrypted("bytes_enc"),
    ...timestamps,
  },
  (t) => [index("info_requests_review_idx").on(t.manualReviewId, t.createdAt)],
);

/**
 * A counter-offer (issue 18, ADR 077): the underwriter's approval of less than was asked (a lower
 * amount and/or another tier), written by decisioning as an approved decision with its offers.
 * The borrower accepts by signing one of them, or declines it — then the adverse action notice
 * goes out with the reasons chosen here (Regulation B: a counter-offer not accepted is adverse
 * action).
 */
export const counterOfferStatuses = ["offered", "accepted", "declined"] as const;

export const counterOffers = sqliteTable(
  "counter_offers",
  {
    id: text("id").primaryKey(),
    manualReviewId: reference("manual_review_id", () => manualReviews.id),
    applicationId: reference("application_id", () => applications.id),
    /** The approved decision carrying the counter-offer's offers. */
    decisionId: reference("decision_id", () => decisions.id),
    requestedAmountCents: cents("requested_amount_cents").notNull(),
    /** What the offers finance; the rest the borrower pays the merchant directly. */
    amountCents: cents("amount_cents").notNull(),
    tier: text("tier").notNull(),
    reasonCodes: json<string[]>("reason_codes").notNull(),
    status: text("status", { enum: counterOfferStatuses }).notNull().default("offered"),
    offeredBy: text("offered_by").notNull(),
    respondedAt: timestamp("responded_at"),
    /** The declined decision (and its notice) when the borrower said no. */
    declineDecisionId: text("decline_decision_id"),
    ...timestamps,
  },
  (t) => [index("counter_offers_app_idx").on(t.applicationId, t.createdAt)],
);
