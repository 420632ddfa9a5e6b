import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { encrypted, json, timestamp, timestamps } from "./columns";
import { applications, documents } from "./applications";
import { merchants } from "./merchants";

/** Text messages and e-mails, with their delivery state. */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    applicationId: text("application_id").references(() => applications.id),
    merchantId: text("merchant_id").references(() => merchants.id),
    channel: text("channel", { enum: ["sms", "email"] }).notNull(),
    recipient: text("recipient").notNull(),
    template: text("template").notNull(),
    /** Encrypted (context "messages.body"): texts carry borrower link tokens. */
    bodyEnc: encrypted("body_enc").notNull(),
    status: text("status", {
      enum: ["queued", "sending", "sent", "delivered", "undelivered", "failed", "suppressed"],
    })
      .notNull()
      .default("queued"),
    provider: text("provider"),
    providerMessageId: text("provider_message_id").unique(),
    /** An e-mail's attachment (signed agreement, adverse action notice). */
    documentId: text("document_id").references(() => documents.id),
    errorCode: text("error_code"),
    ...timestamps,
  },
  (t) => [index("messages_app_idx").on(t.applicationId, t.createdAt)],
);

/** FlowPay's own SMS opt-out list (TCPA): honoured whatever the SMS provider does. */
export const smsOptOuts = sqliteTable("sms_opt_outs", {
  phone: text("phone").primaryKey(),
  keyword: text("keyword").notNull(),
  optedOutAt: timestamp("opted_out_at").notNull(),
});

/** Raw partner webhook events, stored once per (partner, event id). */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    partner: text("partner").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type"),
    occurredAt: timestamp("occurred_at"),
    payload: text("payload").notNull(),
    receivedAt: timestamp("received_at").notNull(),
    processedAt: timestamp("processed_at"),
  },
  (t) => [uniqueIndex("webhook_events_partner_event_idx").on(t.partner, t.eventId)],
);

/** Calls to the CRM, with redacted request/response, for support and audit. */
export const crmSyncLogs = sqliteTable(
  "crm_sync_logs",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").references(() => merchants.id),
    applicationId: text("application_id").references(() => applications.id),
    crm: text("crm").notNull(),
    operation: text("operation").notNull(),
    request: json<unknown>("request"),
    response: json<unknown>("response"),
    outcome: text("outcome", { enum: ["ok", "error"] }).notNull(),
    error: text("error"),
    durationMs: integer("duration_ms"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    index("crm_sync_logs_app_idx").on(t.applicationId, t.createdAt),
    // The dashboard's partner errors of the last 24 h, without reading the successful calls.
    index("crm_sync_logs_errors_idx")
      .on(t.createdAt)
      .where(sql`outcome = 'error'`),
  ],
);

export const outboxStates = ["pending", "running", "completed", "dead"] as const;

/**
 * The transactional outbox: a row written in the same transaction as the business change,
 * executed later by the in-process job runner (jobs/). Claims use the ready index below.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    payload: text("payload").notNull(),
    /** Lower runs first: create-loan 1, sync-to-crm 2, notifications 3. */
    priority: integer("priority").notNull(),
    state: text("state", { enum: outboxStates }).notNull().default("pending"),
    /** Replaces or dedupes a pending job with the same key. */
    key: text("key"),
    runAt: integer("run_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(5),
    lockedBy: text("locked_by"),
    lockedUntil: integer("locked_until"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    completedAt: integer("completed_at"),
  },
  (t) => [
    // Claims go kind by kind (jobs/sql.server.ts): a backlog of one kind — texts held back by
    // their rate limit — is never walked through to find another kind's ready jobs.
    index("outbox_ready_idx")
      .on(t.kind, t.priority, t.runAt, t.id)
      .where(sql`state = 'pending'`),
    index("outbox_lease_idx")
      .on(t.lockedUntil)
      .where(sql`state = 'running'`),
    uniqueIndex("outbox_key_idx")
      .on(t.key)
      .where(sql`key IS NOT NULL AND state IN ('pending', 'running')`),
    index("outbox_kind_state_idx").on(t.kind, t.state),
    // Queue depth by state without visiting the completed rows' pages (ADR 072).
    index("outbox_state_kind_idx").on(t.state, t.kind, t.runAt),
    // The dashboard's failing and dead jobs of the last 24 h.
    index("outbox_unfinished_updated_idx")
      .on(t.updatedAt)
      .where(sql`state <> 'completed'`),
    index("outbox_completed_idx")
      .on(t.completedAt)
      .where(sql`state = 'completed'`),
    index("outbox_dead_idx")
      .on(t.kind, t.id)
      .where(sql`state = 'dead'`),
    // The dead letters of every kind, newest first, a page at a time (ADR 072).
    index("outbox_dead_recent_idx")
      .on(t.id)
      .where(sql`state = 'dead'`),
  ],
);

/** Append-only: the database itself rejects UPDATE and DELETE (see the audit migration). */
export const auditLogs = sqliteTable(
  "audit_logs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: timestamp("at").notNull(),
    actorType: text("actor_type", {
      enum: ["operator", "api_key", "borrower", "system", "cli", "merchant_user"],
    }).notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    entityType: text("entity_type"),
    entityId: text("entity_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    details: json<Record<string, unknown>>("details"),
  },
  (t) => [
    index("audit_entity_idx").on(t.entityType, t.entityId),
    // The audit log's actor filter is `actor_id = ?` newest first (app/ops/audit-log.server.ts):
    // (actor_id) with the rowid serves it in order; (actor_type, actor_id) served no query and
    // cost more per row (ADR 088).
    index("audit_actor_id_idx").on(t.actorId),
    index("audit_at_idx").on(t.at),
  ],
);
