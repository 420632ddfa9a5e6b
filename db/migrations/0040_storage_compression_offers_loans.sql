-- Offer schedules and Truth-in-Lending boxes, and loans' payment schedules, are stored compressed
-- too (ADR 085, db/schema/compressed.ts); these partial indexes hold the rows written before, for
-- the maintenance round's compaction (app/storage/compact.server.ts), as migration 0037 does for
-- decisions and documents.
CREATE INDEX `offers_uncompressed_idx` ON `offers` (`id`) WHERE typeof(schedule) = 'text';--> statement-breakpoint
CREATE INDEX `loans_uncompressed_idx` ON `loans` (`id`) WHERE typeof(payment_schedule) = 'text';--> statement-breakpoint
-- An offer's terms stay immutable (migration 0005): the one UPDATE of them allowed re-encodes a
-- TEXT schedule (and a TEXT disclosure, or none) as compressed BLOBs — once — with every other
-- term unchanged. The compaction checks in the application that each BLOB decodes to the very
-- TEXT it replaces.
DROP TRIGGER offers_terms_no_update;--> statement-breakpoint
CREATE TRIGGER offers_terms_no_update BEFORE UPDATE OF
  id, decision_id, application_id, term_months, note_rate, apr, origination_fee_cents,
  principal_cents, amount_financed_cents, monthly_payment_cents, last_payment_cents,
  finance_charge_cents, total_of_payments_cents, promotional, tier, merchant_fee_cents,
  disbursement_cents, schedule, disclosure, created_at
ON offers
WHEN NOT (
  typeof(OLD.schedule) = 'text' AND typeof(NEW.schedule) = 'blob'
  AND substr(NEW.schedule, 1, 4) = X'00465A01'
  AND ((OLD.disclosure IS NULL AND NEW.disclosure IS NULL)
    OR (typeof(OLD.disclosure) = 'text' AND typeof(NEW.disclosure) = 'blob'
      AND substr(NEW.disclosure, 1, 4) = X'00465A01'))
  AND NEW.id IS OLD.id AND NEW.decision_id IS OLD.decision_id
  AND NEW.application_id IS OLD.application_id AND NEW.term_months IS OLD.term_months
  AND NEW.note_rate IS OLD.note_rate AND NEW.apr IS OLD.apr
  AND NEW.origination_fee_cents IS OLD.origination_fee_cents
  AND NEW.principal_cents IS OLD.principal_cents
  AND NEW.amount_financed_cents IS OLD.amount_financed_cents
  AND NEW.monthly_payment_cents IS OLD.monthly_payment_cents
  AND NEW.last_payment_cents IS OLD.last_payment_cents
  AND NEW.finance_charge_cents IS OLD.finance_charge_cents
  AND NEW.total_of_payments_cents IS OLD.total_of_payments_cents
  AND NEW.promotional IS OLD.promotional AND NEW.tier IS OLD.tier
  AND NEW.merchant_fee_cents IS OLD.merchant_fee_cents
  AND NEW.disbursement_cents IS OLD.disbursement_cents AND NEW.created_at IS OLD.created_at
)
BEGIN
  SELECT RAISE(ABORT, 'offers are immutable (only selected_at may be set)');
END;
