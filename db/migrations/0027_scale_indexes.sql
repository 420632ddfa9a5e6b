DROP INDEX `applications_status_idx`;--> statement-breakpoint
DROP INDEX `applications_created_idx`;--> statement-breakpoint
DROP INDEX `applications_merchant_idx`;--> statement-breakpoint
CREATE INDEX `applications_merchant_status_idx` ON `applications` (`merchant_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `applications_decided_idx` ON `applications` (`decided_at`);--> statement-breakpoint
CREATE INDEX `applications_status_idx` ON `applications` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `applications_created_idx` ON `applications` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `applications_merchant_idx` ON `applications` (`merchant_id`,`created_at`,`id`);--> statement-breakpoint
DROP INDEX `decisions_app_idx`;--> statement-breakpoint
DROP INDEX `decisions_decided_idx`;--> statement-breakpoint
CREATE INDEX `decisions_app_idx` ON `decisions` (`application_id`,`decided_at`,`id`);--> statement-breakpoint
CREATE INDEX `decisions_decided_idx` ON `decisions` (`decided_at`,`application_id`,`status`);--> statement-breakpoint
DROP INDEX `crm_sync_logs_app_idx`;--> statement-breakpoint
CREATE INDEX `crm_sync_logs_errors_idx` ON `crm_sync_logs` (`created_at`) WHERE outcome = 'error';--> statement-breakpoint
CREATE INDEX `crm_sync_logs_app_idx` ON `crm_sync_logs` (`application_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `manual_reviews_open_idx` ON `manual_reviews` (`priority`,`created_at`,`id`) WHERE status IN ('pending', 'assigned');--> statement-breakpoint
CREATE INDEX `manual_reviews_app_idx` ON `manual_reviews` (`application_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `offers_app_idx` ON `offers` (`application_id`,`term_months`);--> statement-breakpoint
CREATE INDEX `offers_selected_idx` ON `offers` (`selected_at`,`amount_financed_cents`) WHERE selected_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `loans_funded_idx` ON `loans` (`funded_at`,`funded_amount_cents`) WHERE funded_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `outbox_state_kind_idx` ON `outbox` (`state`,`kind`,`run_at`);--> statement-breakpoint
CREATE INDEX `outbox_unfinished_updated_idx` ON `outbox` (`updated_at`) WHERE state <> 'completed';