-- Per-kind rate-limit budgets of the job runner (jobs/rate-limit.ts), shared by every process on
-- the database: one row per rate-limited job kind, a fixed window aligned on multiples of the
-- kind's perMs, and how many jobs of that kind were claimed in it. Written only by the runner's
-- claim statements (jobs/sql.server.ts); not part of the drizzle schema (hand-written SQL).
CREATE TABLE `outbox_rate_limits` (
	`kind` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`used` integer NOT NULL
);
