ALTER TABLE `offers` ADD `tier` text;--> statement-breakpoint
ALTER TABLE `offers` ADD `merchant_fee_cents` integer;--> statement-breakpoint
ALTER TABLE `offers` ADD `disbursement_cents` integer;--> statement-breakpoint
ALTER TABLE `offers` ADD `disclosure` text;