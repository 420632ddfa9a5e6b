CREATE TABLE `ledger_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`transaction_id` text NOT NULL,
	`kind` text NOT NULL,
	`account` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`merchant_id` text,
	`lender` text,
	`loan_id` text,
	`source_key` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_merchant_balance_idx` ON `ledger_entries` (`merchant_id`,`account`,`kind`,`amount_cents`);--> statement-breakpoint
CREATE INDEX `ledger_loan_idx` ON `ledger_entries` (`loan_id`,`kind`);--> statement-breakpoint
CREATE INDEX `ledger_lender_time_idx` ON `ledger_entries` (`lender`,`created_at`);--> statement-breakpoint
CREATE INDEX `ledger_transaction_idx` ON `ledger_entries` (`transaction_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_source_key_idx` ON `ledger_entries` (`source_key`,`account`) WHERE source_key IS NOT NULL;--> statement-breakpoint
-- The ledger is append-only: a correction is a new, balancing transaction, never an edit.
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
