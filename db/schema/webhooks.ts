import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { encrypted, reference, timestamp, timestamps } from "./columns";
import { merchants } from "./merchants";

/**
 * A merchant's outbound webhook endpoints (docs/product/merchants-and-money.md, "Outbound
 * webhooks"). The signing secret is stored encrypted (it must be read back to sign), shown once.
 * Deleting one sets deleted_at: its delivery log stays readable.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    merchantId: reference("merchant_id", () => merchants.id),
    url: text("url").notNull(),
    /** JSON array of event types or "<prefix>.*" patterns, as the merchant gave them. */
    events: text("events").notNull(),
    secretEnc: encrypted("secret_enc").notNull(),
    /** The first failed delivery since the last success: 3 days of failures disable the endpoint. */
    failingSince: timestamp("failing_since"),
    disabledAt: timestamp("disabled_at"),
    disabledReason: text("disabled_reason"),
    deletedAt: timestamp("deleted_at"),
    ...timestamps,
  },
  (t) => [index("webhook_endpoints_merchant_idx").on(t.merchantId)],
);

/**
 * One row per event a merchant's endpoints subscribe to, written in the transaction of the change
 * it reports (migration triggers on applications, or app/webhooks/events.server.ts). `data` is
 * frozen at the first delivery attempt, so every endpoint and every retry sends the same body.
 */
export const merchantEvents = sqliteTable(
  "merchant_events",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").notNull(),
    type: text("type").notNull(),
    applicationId: text("application_id"),
    /** The event's `data` object as JSON, once built (or given by the emitter). */
    data: text("data"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("merchant_events_merchant_idx").on(t.merchantId, t.createdAt)],
);

export const webhookDeliveryStates = [
  "pending",
  "retrying",
  "delivered",
  "dead",
  "canceled",
] as const;

/** The delivery log: one row per event and endpoint, with its latest attempt. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: reference("event_id", () => merchantEvents.id),
    endpointId: reference("endpoint_id", () => webhookEndpoints.id),
    merchantId: text("merchant_id").notNull(),
    state: text("state", { enum: webhookDeliveryStates }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastAttemptAt: integer("last_attempt_at"),
    deliveredAt: integer("delivered_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
    index("webhook_deliveries_merchant_idx").on(t.merchantId, t.createdAt),
  ],
);
