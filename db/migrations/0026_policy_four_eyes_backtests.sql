CREATE TABLE `policy_backtests` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`draft_id` text NOT NULL,
	`version` integer NOT NULL,
	`content_hash` text NOT NULL,
	`days` integer NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`result` text,
	`error` text,
	`requested_by` text,
	`finished_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`requested_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `policy_backtests_draft_idx` ON `policy_backtests` (`kind`,`draft_id`);--> statement-breakpoint
CREATE TABLE `policy_submissions` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`draft_id` text NOT NULL,
	`version` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`content_hash` text NOT NULL,
	`submitted_by` text NOT NULL,
	`submitted_at` integer NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`submitted_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `policy_submissions_draft_idx` ON `policy_submissions` (`kind`,`draft_id`);