CREATE TABLE `merchant_events` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`type` text NOT NULL,
	`application_id` text,
	`data` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `merchant_events_merchant_idx` ON `merchant_events` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`last_attempt_at` integer,
	`delivered_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`event_id`) REFERENCES `merchant_events`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint_idx` ON `webhook_deliveries` (`endpoint_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_merchant_idx` ON `webhook_deliveries` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`secret_enc` text NOT NULL,
	`failing_since` integer,
	`disabled_at` integer,
	`disabled_reason` text,
	`deleted_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_endpoints_merchant_idx` ON `webhook_endpoints` (`merchant_id`);--> statement-breakpoint
CREATE TABLE `merchant_applications` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`legal_name` text NOT NULL,
	`dba` text,
	`ein` text NOT NULL,
	`address_line1` text NOT NULL,
	`city` text NOT NULL,
	`state` text NOT NULL,
	`postal_code` text NOT NULL,
	`industry` text NOT NULL,
	`owner_name` text NOT NULL,
	`owner_email` text NOT NULL,
	`owner_phone` text NOT NULL,
	`routing_number` text NOT NULL,
	`account_number_enc` text NOT NULL,
	`account_last4` text NOT NULL,
	`expected_monthly_volume_cents` integer NOT NULL,
	`reviewed_by` text,
	`reviewed_at` integer,
	`decline_reason` text,
	`merchant_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `merchant_applications_status_idx` ON `merchant_applications` (`status`,`created_at`);--> statement-breakpoint
-- Outbound webhooks (ADR 063): every status change of an application becomes a merchant event in
-- the transaction that makes it, whichever code path wrote it — the ~20 places that set a status
-- need not remember. Only merchants with a live endpoint get rows. The status → event mapping
-- is docs/product/merchants-and-money.md's list ("Outbound webhooks"); app/webhooks/events.ts
-- holds the same mapping, and app/webhooks/triggers.test.ts checks the two agree.
CREATE TRIGGER applications_created_merchant_event AFTER INSERT ON applications
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE merchant_id = NEW.merchant_id
  AND disabled_at IS NULL AND deleted_at IS NULL)
BEGIN
  INSERT INTO merchant_events (id, merchant_id, type, application_id, created_at)
  VALUES ('evt_' || lower(hex(randomblob(13))), NEW.merchant_id, 'application.created', NEW.id,
    CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER applications_status_merchant_event AFTER UPDATE OF status ON applications
WHEN NEW.status IS NOT OLD.status
  AND NEW.status IN ('submitted', 'approved', 'declined', 'manual_review', 'offer_accepted',
    'canceled', 'expired', 'pending_funding', 'awaiting_completion', 'funded', 'lender_declined')
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE merchant_id = NEW.merchant_id
    AND disabled_at IS NULL AND deleted_at IS NULL)
BEGIN
  INSERT INTO merchant_events (id, merchant_id, type, application_id, created_at)
  VALUES ('evt_' || lower(hex(randomblob(13))), NEW.merchant_id,
    CASE WHEN NEW.status IN ('pending_funding', 'awaiting_completion', 'funded', 'lender_declined')
      THEN 'loan.' || NEW.status ELSE 'application.' || NEW.status END,
    NEW.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
--> statement-breakpoint
-- One delivery (and one outbox job) per event and subscribed endpoint, in the same transaction.
-- A pattern is an exact type, "*", or "<prefix>.*".
CREATE TRIGGER merchant_events_fan_out AFTER INSERT ON merchant_events
BEGIN
  INSERT INTO webhook_deliveries (id, event_id, endpoint_id, merchant_id, state, attempts,
    created_at, updated_at)
  SELECT 'whd_' || lower(hex(randomblob(13))), NEW.id, e.id, NEW.merchant_id, 'pending', 0,
    NEW.created_at, NEW.created_at
  FROM webhook_endpoints e
  WHERE e.merchant_id = NEW.merchant_id AND e.disabled_at IS NULL AND e.deleted_at IS NULL
    AND EXISTS (SELECT 1 FROM json_each(e.events) s
      WHERE s.value = NEW.type OR s.value = '*'
        OR (substr(s.value, -2) = '.*'
          AND substr(NEW.type, 1, length(s.value) - 1) = substr(s.value, 1, length(s.value) - 1)));
END;
--> statement-breakpoint
-- The job's kind, priority and max attempts are jobs/handlers/deliver-webhook.definition.ts's
-- (the test named above checks them); the handler itself stops retrying after 3 days.
CREATE TRIGGER webhook_deliveries_enqueue AFTER INSERT ON webhook_deliveries
BEGIN
  INSERT INTO outbox (kind, payload, priority, state, key, run_at, attempts, max_attempts,
    created_at, updated_at)
  VALUES ('deliver-webhook', json_object('deliveryId', NEW.id), 3, 'pending', NULL,
    NEW.created_at, 0, 1000, NEW.created_at, NEW.created_at);
END;
