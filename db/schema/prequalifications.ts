import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { cents, encrypted, json, reference, timestamp, timestamps } from "./columns";
import { customers } from "./applications";
import { merchants } from "./merchants";

/**
 * Prequalifications (docs/product/merchants-and-money.md, "Prequalification"): a soft pull
 * before the estimate is final, through a borrower link of its own. The pull's report, its
 * evaluation and the consents the borrower gave are kept here, so a later application through
 * offer-financing (`prequalification_id`) asks nothing twice and may reuse the pull (ADR 066).
 */
export const prequalificationStatuses = [
  "link_sent",
  "in_progress",
  "prequalified",
  "not_prequalified",
] as const;

export const prequalifications = sqliteTable(
  "prequalifications",
  {
    id: text("id").primaryKey(),
    merchantId: reference("merchant_id", () => merchants.id),
    customerId: reference("customer_id", () => customers.id),
    crm: text("crm").notNull(),
    /** Stored statuses; `expired` is derived (link or validity ran out). */
    status: text("status", { enum: prequalificationStatuses }).notNull().default("link_sent"),
    /** The borrower link: only its SHA-256 is looked up; the token is kept encrypted. */
    tokenHash: text("token_hash").notNull().unique(),
    tokenEnc: encrypted("token_enc"),
    linkExpiresAt: timestamp("link_expires_at").notNull(),
    monthlyIncomeCents: cents("monthly_income_cents"),
    housingCostCents: cents("housing_cost_cents"),
    maxAmountCents: cents("max_amount_cents"),
    validUntil: timestamp("valid_until"),
    /** When the soft pull was made, and a hash of who it was made for (name, SSN, birth date). */
    pulledAt: timestamp("pulled_at"),
    pullSubjectSha256: text("pull_subject_sha256"),
    /** The evidence: the engine's inputs (the bureau report among them), rule results, offers. */
    snapshot: json<Record<string, unknown>>("snapshot"),
    /** "Not prequalified": the adverse action notice's reasons and credit-score block. */
    noticeReasons: json<{ code: string; text: string }[]>("notice_reasons"),
    creditScoreDisclosure: json<Record<string, unknown>>("credit_score_disclosure"),
    /** Consents given in the prequalification flow (text version, SHA-256, time, IP, agent). */
    consents: json<
      {
        kind: string;
        textVersion: string;
        textSha256: string;
        acceptedAt: number;
        ip: string | null;
        userAgent: string | null;
      }[]
    >("consents"),
    decidedAt: timestamp("decided_at"),
    convertedApplicationId: text("converted_application_id"),
    ...timestamps,
  },
  (t) => [
    index("prequalifications_merchant_idx").on(t.merchantId, t.createdAt),
    index("prequalifications_customer_idx").on(t.customerId),
  ],
);
