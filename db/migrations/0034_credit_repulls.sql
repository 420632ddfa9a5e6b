CREATE TABLE `credit_repulls` (
	`id` text PRIMARY KEY NOT NULL,
	`application_id` text NOT NULL,
	`manual_review_id` text NOT NULL,
	`requested_by` text NOT NULL,
	`status` text NOT NULL,
	`report` text,
	`detail` text,
	`pulled_at` integer NOT NULL,
	FOREIGN KEY (`application_id`) REFERENCES `applications`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`manual_review_id`) REFERENCES `manual_reviews`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`requested_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `credit_repulls_review_idx` ON `credit_repulls` (`manual_review_id`,`pulled_at`);