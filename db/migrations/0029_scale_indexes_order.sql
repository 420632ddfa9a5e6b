DROP INDEX `manual_reviews_queue_idx`;--> statement-breakpoint
DROP INDEX `application_links_app_idx`;--> statement-breakpoint
CREATE INDEX `application_links_app_idx` ON `application_links` (`application_id`,`created_at`);--> statement-breakpoint
DROP INDEX `messages_app_idx`;--> statement-breakpoint
CREATE INDEX `messages_app_idx` ON `messages` (`application_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `outbox_dead_recent_idx` ON `outbox` (`id`) WHERE state = 'dead';