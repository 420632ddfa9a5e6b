PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_rate_limit_windows` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`used` integer NOT NULL,
	`granted` integer NOT NULL
);
--> statement-breakpoint
-- Not copied: the counters of one minute (ADR 084), and one key may have two windows' rows.
DROP TABLE `rate_limit_windows`;--> statement-breakpoint
ALTER TABLE `__new_rate_limit_windows` RENAME TO `rate_limit_windows`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `rate_limit_windows_start_idx` ON `rate_limit_windows` (`window_start`);