import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { timestamp, timestamps } from "./columns";

/**
 * The borrower's "Job is done — release payment" links (app/lending/release.server.ts, ADR 050):
 * one per completion, 256 random bits of which only the SHA-256 is stored, used once (to release
 * or to report a problem), valid until the payment releases itself.
 */
export const releaseLinks = sqliteTable(
  "release_links",
  {
    id: text("id").primaryKey(),
    loanId: text("loan_id").notNull(),
    applicationId: text("application_id").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: timestamp("expires_at").notNull(),
    /** What the borrower did with it: `released` or `problem` (single use). */
    usedAt: timestamp("used_at"),
    usedFor: text("used_for", { enum: ["released", "problem"] }),
    /** The borrower's description of the problem (shown to FlowOps in the review). */
    problem: text("problem"),
    ...timestamps,
  },
  (t) => [index("release_links_loan_idx").on(t.loanId)],
);
