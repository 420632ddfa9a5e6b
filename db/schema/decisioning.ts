import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { cents, json, reference, timestamp, timestamps } from "./columns";
import { compressedJson } from "./compressed";
import { applications } from "./applications";
import { operators } from "./operators";

/** Versioned rule sets: drafts are edited, a published version is never changed again. */
export const ruleSets = sqliteTable(
  "rule_sets",
  {
    id: text("id").primaryKey(),
    version: integer("version").notNull(),
    status: text("status", { enum: ["draft", "published", "archived"] })
      .notNull()
      .default("draft"),
    notes: text("notes"),
    createdBy: text("created_by").references(() => operators.id),
    publishedBy: text("published_by").references(() => operators.id),
    publishedAt: timestamp("published_at"),
    ...timestamps,
  },
  (t) => [uniqueIndex("rule_sets_version_idx").on(t.version)],
);

/** One rule of a rule set: { field, operator, value } → action, with a reason code. */
export const rules = sqliteTable(
  "rules",
  {
    id: text("id").primaryKey(),
    ruleSetId: reference("rule_set_id", () => ruleSets.id),
    position: integer("position").notNull(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    field: text("field").notNull(),
    operator: text("operator").notNull(),
    value: json<unknown>("value"),
    action: text("action", { enum: ["approve", "decline", "manual_review"] }).notNull(),
    reasonCode: text("reason_code"),
  },
  (t) => [uniqueIndex("rules_set_key_idx").on(t.ruleSetId, t.key)],
);

/** Versioned pricing tables (tiers, terms, APRs, fees, limits) as one JSON document per version. */
export const pricingRules = sqliteTable(
  "pricing_rules",
  {
    id: text("id").primaryKey(),
    version: integer("version").notNull(),
    status: text("status", { enum: ["draft", "published", "archived"] })
      .notNull()
      .default("draft"),
    table: json<Record<string, unknown>>("table").notNull(),
    notes: text("notes"),
    createdBy: text("created_by").references(() => operators.id),
    publishedBy: text("published_by").references(() => operators.id),
    publishedAt: timestamp("published_at"),
    ...timestamps,
  },
  (t) => [uniqueIndex("pricing_rules_version_idx").on(t.version)],
);

/** An immutable decision snapshot: every input, version, rule result and offer. */
export const decisions = sqliteTable(
  "decisions",
  {
    id: text("id").primaryKey(),
    applicationId: reference("application_id", () => applications.id),
    status: text("status", { enum: ["approved", "declined", "manual_review"] }).notNull(),
    score: integer("score"),
    tier: text("tier"),
    ruleSetVersion: integer("rule_set_version").notNull(),
    pricingVersion: integer("pricing_version").notNull(),
    engineVersion: text("engine_version").notNull(),
    /** Stored compressed (ADR 085, ./compressed.ts); read back as the JSON written. */
    snapshot: compressedJson<Record<string, unknown>>("snapshot").notNull(),
    /** Set for decisions made by an underwriter (manual review resolution). */
    decidedBy: text("decided_by").references(() => operators.id),
    decidedAt: timestamp("decided_at").notNull(),
  },
  (t) => [
    // Never read a decision's snapshot (≈15 KB) to find or count it (ADR 072).
    index("decisions_app_idx").on(t.applicationId, t.decidedAt, t.id),
    index("decisions_status_idx").on(t.status),
    index("decisions_decided_idx").on(t.decidedAt, t.applicationId, t.status),
    // Snapshots written before compression, for the compaction of old rows (ADR 085).
    index("decisions_uncompressed_idx")
      .on(t.id)
      .where(sql`typeof(snapshot) = 'text'`),
  ],
);

export const offers = sqliteTable(
  "offers",
  {
    id: text("id").primaryKey(),
    decisionId: reference("decision_id", () => decisions.id),
    applicationId: reference("application_id", () => applications.id),
    termMonths: integer("term_months").notNull(),
    /** Exact decimal strings, e.g. "9.990" (percent). */
    noteRate: text("note_rate").notNull(),
    apr: text("apr").notNull(),
    originationFeeCents: cents("origination_fee_cents").notNull(),
    principalCents: cents("principal_cents").notNull(),
    amountFinancedCents: cents("amount_financed_cents").notNull(),
    monthlyPaymentCents: cents("monthly_payment_cents").notNull(),
    lastPaymentCents: cents("last_payment_cents").notNull(),
    financeChargeCents: cents("finance_charge_cents").notNull(),
    totalOfPaymentsCents: cents("total_of_payments_cents").notNull(),
    promotional: integer("promotional", { mode: "boolean" }).notNull().default(false),
    /** Pricing tier the offer came from (A, B, C). */
    tier: text("tier"),
    /** Merchant fee (discount) and what the merchant is paid: amount − merchant fee. */
    merchantFeeCents: cents("merchant_fee_cents"),
    disbursementCents: cents("disbursement_cents"),
    /** Stored compressed (ADR 085), like the Truth-in-Lending box below. */
    schedule: compressedJson<unknown[]>("schedule").notNull(),
    /** The Truth-in-Lending box (app/decisioning/disclosure.ts), rendered as stored. */
    disclosure: compressedJson<Record<string, unknown>>("disclosure"),
    selectedAt: timestamp("selected_at"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    index("offers_decision_idx").on(t.decisionId),
    index("offers_app_idx").on(t.applicationId, t.termMonths),
    index("offers_selected_idx")
      .on(t.selectedAt, t.amountFinancedCents)
      .where(sql`selected_at IS NOT NULL`),
    // Offers written before compression, for the compaction of old rows (ADR 085).
    index("offers_uncompressed_idx")
      .on(t.id)
      .where(sql`typeof(schedule) = 'text'`),
  ],
);

export const manualReviews = sqliteTable(
  "manual_reviews",
  {
    id: text("id").primaryKey(),
    applicationId: reference("application_id", () => applications.id),
    decisionId: text("decision_id").references(() => decisions.id),
    reason: text("reason").notNull(),
    priority: integer("priority").notNull().default(2),
    // `waiting`: an information request to the borrower is open (app/ops/info-requests.server.ts).
    status: text("status", { enum: ["pending", "assigned", "waiting", "resolved"] })
      .notNull()
      .default("pending"),
    assignedTo: text("assigned_to").references(() => operators.id),
    assignedAt: timestamp("assigned_at"),
    resolution: text("resolution", { enum: ["approved", "declined"] }),
    notes: text("notes"),
    conditions: json<Record<string, unknown>>("conditions"),
    resolvedBy: text("resolved_by").references(() => operators.id),
    resolvedAt: timestamp("resolved_at"),
    ...timestamps,
  },
  (t) => [
    // The queue's first page in its order: open reviews only (ADR 072).
    index("manual_reviews_open_idx")
      .on(t.priority, t.createdAt, t.id)
      .where(sql`status IN ('pending', 'assigned')`),
    index("manual_reviews_app_idx").on(t.applicationId, t.createdAt),
    // Reviews waiting for the borrower's answer, oldest first (ADR 076).
    index("manual_reviews_waiting_idx")
      .on(t.createdAt, t.id)
      .where(sql`status = 'waiting'`),
  ],
);

/** Adverse action notices (ECOA/Reg B, FCRA): reasons and the credit-score disclosure. */
export const adverseActionNotices = sqliteTable(
  "adverse_action_notices",
  {
    id: text("id").primaryKey(),
    applicationId: reference("application_id", () => applications.id),
    decisionId: reference("decision_id", () => decisions.id),
    reasons: json<{ code: string; text: string }[]>("reasons").notNull(),
    creditScoreDisclosure: json<Record<string, unknown>>("credit_score_disclosure"),
    sentAt: timestamp("sent_at"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("aan_app_idx").on(t.applicationId)],
);
