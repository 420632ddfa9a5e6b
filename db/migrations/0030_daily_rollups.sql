CREATE TABLE `daily_rollups` (
	`metric` text NOT NULL,
	`day` integer NOT NULL,
	`key` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`metric`, `day`, `key`)
);
