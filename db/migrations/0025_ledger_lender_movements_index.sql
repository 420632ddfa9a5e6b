DROP INDEX `ledger_lender_time_idx`;--> statement-breakpoint
CREATE INDEX `ledger_lender_movements_idx` ON `ledger_entries` (`lender`,`account`,`created_at`,`kind`,`loan_id`,`amount_cents`);