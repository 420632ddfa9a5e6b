CREATE TABLE `mock_lender_records` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mock_lender_records_kind_key_idx` ON `mock_lender_records` (`kind`,`key`);