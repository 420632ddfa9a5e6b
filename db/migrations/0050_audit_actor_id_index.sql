-- The audit log's actor filter (actor_id = ?, newest first) could not use (actor_type, actor_id)
-- and scanned the whole audit history; (actor_id) serves it in rowid order and is smaller per
-- row (ADR 088).
DROP INDEX `audit_actor_idx`;--> statement-breakpoint
CREATE INDEX `audit_actor_id_idx` ON `audit_logs` (`actor_id`);