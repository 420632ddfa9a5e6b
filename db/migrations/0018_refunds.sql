CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`loan_id` text NOT NULL,
	`application_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`reason` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`idempotency_key` text NOT NULL,
	`fee_returned_cents` integer,
	`created_at` integer NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_idempotency_idx` ON `refunds` (`merchant_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `refunds_loan_idx` ON `refunds` (`loan_id`,`status`);