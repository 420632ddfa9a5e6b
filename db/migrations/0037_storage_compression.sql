-- Decision snapshots and documents are stored compressed (ADR 085, db/schema/compressed.ts):
-- a BLOB that begins with the marker 00 46 5A 01. Rows written before keep their old format
-- until the maintenance round compacts them (app/storage/compact.server.ts); these partial
-- indexes hold exactly the rows still to do, so a finished database costs one probe per round.
CREATE INDEX `documents_uncompressed_idx` ON `documents` (`id`) WHERE substr(bytes, 1, 4) <> X'00465A01';--> statement-breakpoint
CREATE INDEX `decisions_uncompressed_idx` ON `decisions` (`id`) WHERE typeof(snapshot) = 'text';--> statement-breakpoint
-- Decisions stay immutable (migration 0005): the one UPDATE allowed re-encodes a TEXT snapshot
-- as a compressed BLOB — once (the old value must be TEXT), with every other column unchanged.
-- The compaction checks in the application that the BLOB decodes to the very TEXT it replaces.
DROP TRIGGER decisions_no_update;--> statement-breakpoint
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
WHEN NOT (
  typeof(OLD.snapshot) = 'text' AND typeof(NEW.snapshot) = 'blob'
  AND substr(NEW.snapshot, 1, 4) = X'00465A01'
  AND NEW.id IS OLD.id AND NEW.application_id IS OLD.application_id
  AND NEW.status IS OLD.status AND NEW.score IS OLD.score AND NEW.tier IS OLD.tier
  AND NEW.rule_set_version IS OLD.rule_set_version AND NEW.pricing_version IS OLD.pricing_version
  AND NEW.engine_version IS OLD.engine_version AND NEW.decided_by IS OLD.decided_by
  AND NEW.decided_at IS OLD.decided_at
)
BEGIN
  SELECT RAISE(ABORT, 'decisions are immutable');
END;
