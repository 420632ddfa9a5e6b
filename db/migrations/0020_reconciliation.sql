CREATE TABLE `reconciliation_items` (
	`id` text PRIMARY KEY NOT NULL,
	`lender` text NOT NULL,
	`settlement_date` text NOT NULL,
	`loan_id` text NOT NULL,
	`merchant_id` text,
	`kind` text NOT NULL,
	`issue` text NOT NULL,
	`lender_cents` integer,
	`ledger_cents` integer,
	`status` text DEFAULT 'open' NOT NULL,
	`resolution_note` text,
	`resolved_by` text,
	`resolved_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reconciliation_items_difference_idx` ON `reconciliation_items` (`lender`,`settlement_date`,`loan_id`,`kind`);--> statement-breakpoint
CREATE INDEX `reconciliation_items_queue_idx` ON `reconciliation_items` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `reconciliation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`lender` text NOT NULL,
	`settlement_date` text NOT NULL,
	`report_lines` integer NOT NULL,
	`ledger_movements` integer NOT NULL,
	`differences` integer NOT NULL,
	`lender_net_cents` integer NOT NULL,
	`completed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reconciliation_runs_lender_date_idx` ON `reconciliation_runs` (`lender`,`settlement_date`);