CREATE TABLE `oauth_states` (
	`id` text PRIMARY KEY NOT NULL,
	`operator_session_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`crm` text NOT NULL,
	`code_verifier_enc` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`operator_session_id`) REFERENCES `operator_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `oauth_states_expires_idx` ON `oauth_states` (`expires_at`);