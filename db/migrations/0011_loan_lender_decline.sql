ALTER TABLE `loans` ADD `decline_code` text;--> statement-breakpoint
ALTER TABLE `loans` ADD `decline_message` text;--> statement-breakpoint
ALTER TABLE `loans` ADD `declined_at` integer;--> statement-breakpoint
ALTER TABLE `loans` ADD `attempt` integer DEFAULT 1 NOT NULL;