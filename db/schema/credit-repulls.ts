import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, reference, timestamp } from "./columns";
import { applications } from "./applications";
import { manualReviews } from "./decisioning";
import { operators } from "./operators";

/**
 * An underwriter's fresh soft pull during a manual review (ADR 074): the report beside the one
 * the reviewed decision used. Evidence only — no decision is written; the review is still
 * resolved on its own decision, and a re-pull's report is shown, never silently swapped in.
 */
export const creditRepulls = sqliteTable(
  "credit_repulls",
  {
    id: text("id").primaryKey(),
    applicationId: reference("application_id", () => applications.id),
    manualReviewId: reference("manual_review_id", () => manualReviews.id),
    requestedBy: reference("requested_by", () => operators.id),
    /** ok: `report` holds the bureau's answer; unavailable: the bureau failed (`detail` says how). */
    status: text("status", { enum: ["ok", "unavailable"] }).notNull(),
    /** The typed CreditReport (adapters/experian/types.ts), as decision snapshots store it. */
    report: json<Record<string, unknown>>("report"),
    detail: text("detail"),
    pulledAt: timestamp("pulled_at").notNull(),
  },
  (t) => [index("credit_repulls_review_idx").on(t.manualReviewId, t.pulledAt)],
);
