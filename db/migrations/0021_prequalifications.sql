CREATE TABLE `prequalifications` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`crm` text NOT NULL,
	`status` text DEFAULT 'link_sent' NOT NULL,
	`token_hash` text NOT NULL,
	`token_enc` text,
	`link_expires_at` integer NOT NULL,
	`monthly_income_cents` integer,
	`housing_cost_cents` integer,
	`max_amount_cents` integer,
	`valid_until` integer,
	`pulled_at` integer,
	`pull_subject_sha256` text,
	`snapshot` text,
	`notice_reasons` text,
	`credit_score_disclosure` text,
	`consents` text,
	`decided_at` integer,
	`converted_application_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prequalifications_token_hash_unique` ON `prequalifications` (`token_hash`);--> statement-breakpoint
CREATE INDEX `prequalifications_merchant_idx` ON `prequalifications` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `prequalifications_customer_idx` ON `prequalifications` (`customer_id`);--> statement-breakpoint
ALTER TABLE `applications` ADD `prequalification_id` text;