CREATE TABLE `login_throttles` (
	`key` text PRIMARY KEY NOT NULL,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`last_failed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_throttles_last_failed_idx` ON `login_throttles` (`last_failed_at`);--> statement-breakpoint
ALTER TABLE `operators` ADD `last_failed_at` integer;