DROP INDEX `outbox_ready_idx`;--> statement-breakpoint
CREATE INDEX `outbox_dead_idx` ON `outbox` (`kind`,`id`) WHERE state = 'dead';--> statement-breakpoint
CREATE INDEX `outbox_ready_idx` ON `outbox` (`priority`,`run_at`,`id`,`kind`) WHERE state = 'pending';