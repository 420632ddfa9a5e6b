-- Decisions are evidence (docs/product/lending.md): the database itself refuses to change them.
-- decisions: never updated, never deleted.
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
  SELECT RAISE(ABORT, 'decisions are immutable');
END;
--> statement-breakpoint
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
  SELECT RAISE(ABORT, 'decisions are immutable');
END;
--> statement-breakpoint
-- offers: only selected_at may change (the borrower's choice); never deleted.
CREATE TRIGGER offers_terms_no_update BEFORE UPDATE OF
  id, decision_id, application_id, term_months, note_rate, apr, origination_fee_cents,
  principal_cents, amount_financed_cents, monthly_payment_cents, last_payment_cents,
  finance_charge_cents, total_of_payments_cents, promotional, tier, merchant_fee_cents,
  disbursement_cents, schedule, disclosure, created_at
ON offers
BEGIN
  SELECT RAISE(ABORT, 'offers are immutable (only selected_at may be set)');
END;
--> statement-breakpoint
CREATE TRIGGER offers_no_delete BEFORE DELETE ON offers
BEGIN
  SELECT RAISE(ABORT, 'offers are immutable');
END;
--> statement-breakpoint
-- adverse action notices: only sent_at, once; never deleted.
CREATE TRIGGER adverse_action_notices_no_update BEFORE UPDATE OF
  id, application_id, decision_id, reasons, credit_score_disclosure, created_at
ON adverse_action_notices
BEGIN
  SELECT RAISE(ABORT, 'adverse action notices are immutable (only sent_at may be set, once)');
END;
--> statement-breakpoint
CREATE TRIGGER adverse_action_notices_sent_once BEFORE UPDATE OF sent_at ON adverse_action_notices
WHEN OLD.sent_at IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'adverse action notices are immutable (only sent_at may be set, once)');
END;
--> statement-breakpoint
CREATE TRIGGER adverse_action_notices_no_delete BEFORE DELETE ON adverse_action_notices
BEGIN
  SELECT RAISE(ABORT, 'adverse action notices are immutable');
END;
--> statement-breakpoint
-- A published rule set is frozen: its rules never change, and the set itself may only
-- move from published to archived. Drafts are free to edit.
CREATE TRIGGER rule_sets_frozen BEFORE UPDATE ON rule_sets
WHEN OLD.status <> 'draft' AND (
  NEW.id IS NOT OLD.id OR NEW.version IS NOT OLD.version OR NEW.notes IS NOT OLD.notes
  OR NEW.created_by IS NOT OLD.created_by OR NEW.published_by IS NOT OLD.published_by
  OR NEW.published_at IS NOT OLD.published_at OR NEW.created_at IS NOT OLD.created_at
  OR NOT (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'archived'))
)
BEGIN
  SELECT RAISE(ABORT, 'a published rule set cannot change (it may only be archived)');
END;
--> statement-breakpoint
CREATE TRIGGER rule_sets_no_delete BEFORE DELETE ON rule_sets
WHEN OLD.status <> 'draft'
BEGIN
  SELECT RAISE(ABORT, 'a published rule set cannot be deleted');
END;
--> statement-breakpoint
CREATE TRIGGER rules_frozen_insert BEFORE INSERT ON rules
WHEN (SELECT status FROM rule_sets WHERE id = NEW.rule_set_id) IS NOT 'draft'
BEGIN
  SELECT RAISE(ABORT, 'rules of a published rule set cannot change');
END;
--> statement-breakpoint
CREATE TRIGGER rules_frozen_update BEFORE UPDATE ON rules
WHEN (SELECT status FROM rule_sets WHERE id = OLD.rule_set_id) IS NOT 'draft'
  OR (SELECT status FROM rule_sets WHERE id = NEW.rule_set_id) IS NOT 'draft'
BEGIN
  SELECT RAISE(ABORT, 'rules of a published rule set cannot change');
END;
--> statement-breakpoint
CREATE TRIGGER rules_frozen_delete BEFORE DELETE ON rules
WHEN (SELECT status FROM rule_sets WHERE id = OLD.rule_set_id) IS NOT 'draft'
BEGIN
  SELECT RAISE(ABORT, 'rules of a published rule set cannot change');
END;
--> statement-breakpoint
CREATE TRIGGER pricing_rules_frozen BEFORE UPDATE ON pricing_rules
WHEN OLD.status <> 'draft' AND (
  NEW.id IS NOT OLD.id OR NEW.version IS NOT OLD.version OR NEW."table" IS NOT OLD."table"
  OR NEW.notes IS NOT OLD.notes OR NEW.created_by IS NOT OLD.created_by
  OR NEW.published_by IS NOT OLD.published_by OR NEW.published_at IS NOT OLD.published_at
  OR NEW.created_at IS NOT OLD.created_at
  OR NOT (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'archived'))
)
BEGIN
  SELECT RAISE(ABORT, 'a published pricing version cannot change (it may only be archived)');
END;
--> statement-breakpoint
CREATE TRIGGER pricing_rules_no_delete BEFORE DELETE ON pricing_rules
WHEN OLD.status <> 'draft'
BEGIN
  SELECT RAISE(ABORT, 'a published pricing version cannot be deleted');
END;
