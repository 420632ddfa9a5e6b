CREATE TABLE `document_dictionaries` (
	`id` integer PRIMARY KEY NOT NULL,
	`sha256` text NOT NULL,
	`prefix_length` integer NOT NULL,
	`head` blob NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `document_dictionaries_sha256_unique` ON `document_dictionaries` (`sha256`);--> statement-breakpoint
DROP INDEX `documents_uncompressed_idx`;--> statement-breakpoint
ALTER TABLE `documents` ADD `dictionary_id` integer REFERENCES document_dictionaries(id);--> statement-breakpoint
CREATE INDEX `documents_undictionaried_idx` ON `documents` (`id`) WHERE dictionary_id IS NULL;