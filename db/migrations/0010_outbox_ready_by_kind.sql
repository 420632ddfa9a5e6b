DROP INDEX `outbox_ready_idx`;--> statement-breakpoint
CREATE INDEX `outbox_ready_idx` ON `outbox` (`kind`,`priority`,`run_at`,`id`) WHERE state = 'pending';