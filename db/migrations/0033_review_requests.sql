CREATE TABLE `counter_offers` (
	`id` text PRIMARY KEY NOT NULL,
	`manual_review_id` text NOT NULL,
	`application_id` text NOT NULL,
	`decision_id` text NOT NULL,
	`requested_amount_cents` integer NOT NULL,
	`amount_cents` integer NOT NULL,
	`tier` text NOT NULL,
	`reason_codes` text NOT NULL,
	`status` text DEFAULT 'offered' NOT NULL,
	`offered_by` text NOT NULL,
	`responded_at` integer,
	`decline_decision_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`manual_review_id`) REFERENCES `manual_reviews`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`application_id`) REFERENCES `applications`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decision_id`) REFERENCES `decisions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `counter_offers_app_idx` ON `counter_offers` (`application_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `info_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`manual_review_id` text NOT NULL,
	`application_id` text NOT NULL,
	`document_kind` text,
	`question` text,
	`message` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`token_hash` text NOT NULL,
	`requested_by` text NOT NULL,
	`due_at` integer NOT NULL,
	`answered_at` integer,
	`answer_enc` text,
	`file_name` text,
	`content_type` text,
	`size_bytes` integer,
	`sha256` text,
	`bytes_enc` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`manual_review_id`) REFERENCES `manual_reviews`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`application_id`) REFERENCES `applications`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `info_requests_token_hash_unique` ON `info_requests` (`token_hash`);--> statement-breakpoint
CREATE INDEX `info_requests_review_idx` ON `info_requests` (`manual_review_id`,`created_at`);