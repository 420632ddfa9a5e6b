-- Compressed JSON format 2 (ADR 088, db/schema/compressed.ts): new snapshots, offer schedules and
-- Truth-in-Lending boxes are written with the marker 00 46 5A 02, and the maintenance round
-- compacts rows written before compression into it (app/storage/compact.server.ts). The one
-- UPDATE the immutability triggers allow (migrations 0037, 0040) now accepts either marker: TEXT
-- turned once into a BLOB of format 1 or 2, every other column unchanged. The compaction checks in
-- the application that the BLOB decodes to the very TEXT it replaces.
DROP TRIGGER decisions_no_update;--> statement-breakpoint
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
WHEN NOT (
  typeof(OLD.snapshot) = 'text' AND typeof(NEW.snapshot) = 'blob'
  AND substr(NEW.snapshot, 1, 4) IN (X'00465A01', X'00465A02')
  AND NEW.id IS OLD.id AND NEW.application_id IS OLD.application_id
  AND NEW.status IS OLD.status AND NEW.score IS OLD.score AND NEW.tier IS OLD.tier
  AND NEW.rule_set_version IS OLD.rule_set_version AND NEW.pricing_version IS OLD.pricing_version
  AND NEW.engine_version IS OLD.engine_version AND NEW.decided_by IS OLD.decided_by
  AND NEW.decided_at IS OLD.decided_at
)
BEGIN
  SELECT RAISE(ABORT, 'decisions are immutable');
END;--> statement-breakpoint
DROP TRIGGER offers_terms_no_update;--> statement-breakpoint
CREATE TRIGGER offers_terms_no_update BEFORE UPDATE OF
  id, decision_id, application_id, term_months, note_rate, apr, origination_fee_cents,
  principal_cents, amount_financed_cents, monthly_payment_cents, last_payment_cents,
  finance_charge_cents, total_of_payments_cents, promotional, tier, merchant_fee_cents,
  disbursement_cents, schedule, disclosure, created_at
ON offers
WHEN NOT (
  typeof(OLD.schedule) = 'text' AND typeof(NEW.schedule) = 'blob'
  AND substr(NEW.schedule, 1, 4) IN (X'00465A01', X'00465A02')
  AND ((OLD.disclosure IS NULL AND NEW.disclosure IS NULL)
    OR (typeof(OLD.disclosure) = 'text' AND typeof(NEW.disclosure) = 'blob'
      AND substr(NEW.disclosure, 1, 4) IN (X'00465A01', X'00465A02')))
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
