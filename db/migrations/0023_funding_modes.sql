CREATE TABLE `release_links` (
	`id` text PRIMARY KEY NOT NULL,
	`loan_id` text NOT NULL,
	`application_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`used_for` text,
	`problem` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `release_links_token_hash_unique` ON `release_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `release_links_loan_idx` ON `release_links` (`loan_id`);--> statement-breakpoint
ALTER TABLE `merchants` ADD `funding_mode` text DEFAULT 'on_signature' NOT NULL;--> statement-breakpoint
ALTER TABLE `merchants` ADD `upfront_release_bps` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `loans` ADD `upfront_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `loans` ADD `upfront_disbursement_id` text;--> statement-breakpoint
ALTER TABLE `loans` ADD `released_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `loans` ADD `completion_marked_at` integer;--> statement-breakpoint
ALTER TABLE `loans` ADD `released_at` integer;--> statement-breakpoint
ALTER TABLE `loans` ADD `release_paused_at` integer;--> statement-breakpoint
-- Loans funded before this migration were paid in full: what they released is their amount.
UPDATE `loans` SET `released_cents` = `amount_cents` WHERE `status` = 'funded';
