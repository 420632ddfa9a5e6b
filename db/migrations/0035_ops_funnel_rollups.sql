CREATE TABLE `crm_write_health` (
	`merchant_id` text NOT NULL,
	`crm` text NOT NULL,
	`last_success_at` integer,
	`last_failure_at` integer,
	`last_error` text,
	`operation` text NOT NULL,
	`failures_since_success` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`merchant_id`, `crm`, `operation`)
);
--> statement-breakpoint
CREATE TABLE `merchant_daily_rollups` (
	`merchant_id` text NOT NULL,
	`metric` text NOT NULL,
	`day` integer NOT NULL,
	`key` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`merchant_id`, `metric`, `day`, `key`)
);
--> statement-breakpoint
CREATE INDEX `merchant_daily_rollups_day_idx` ON `merchant_daily_rollups` (`metric`,`day`,`merchant_id`,`key`,`n`,`total`);--> statement-breakpoint
ALTER TABLE `applications` ADD `funnel_stage` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `applications_stage1_idx` ON `applications` (`created_at`,`id`) WHERE funnel_stage >= 1;--> statement-breakpoint
CREATE INDEX `applications_stage2_idx` ON `applications` (`created_at`,`id`) WHERE funnel_stage >= 2;--> statement-breakpoint
CREATE INDEX `applications_stage3_idx` ON `applications` (`created_at`,`id`) WHERE funnel_stage >= 3;--> statement-breakpoint
CREATE INDEX `applications_stage4_idx` ON `applications` (`created_at`,`id`) WHERE funnel_stage >= 4;--> statement-breakpoint
CREATE INDEX `applications_stage5_idx` ON `applications` (`created_at`,`id`) WHERE funnel_stage >= 5;--> statement-breakpoint
CREATE INDEX `applications_awaiting_funding_idx` ON `applications` (`created_at`,`id`) WHERE status IN ('offer_accepted', 'pending_funding', 'awaiting_completion');