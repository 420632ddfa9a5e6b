-- Custom SQL migration file, put your migrations below this line! --
-- The FlowOps dashboard's funnel, time to decision split automatic / manual, per-merchant figures
-- for the merchant portal's overview and "by merchant", and each merchant's CRM call health
-- (ADRs 079, 080; tables: migration 0035, db/schema/rollups.ts). As in 0031/0032, triggers keep
-- them in the transaction that changes the counted rows; app/ops/rollups.test.ts and
-- app/merchant/overview.server.test.ts compare them with a count over the tables.

-- applications.funnel_stage: how far the application got, never lower than before
-- (0 link sent, 1 opened — the borrower started —, 2 submitted, 3 decided, 4 signed, 5 funded).
-- Computed from the row (and the loan, below) whenever a column it depends on changes.
CREATE TRIGGER applications_funnel_stage_insert AFTER INSERT ON applications
WHEN (CASE
    WHEN NEW.status IN ('funded', 'partially_refunded', 'refunded') THEN 5
    WHEN NEW.status IN ('offer_accepted', 'pending_funding', 'awaiting_completion', 'lender_declined')
      OR NEW.selected_offer_id IS NOT NULL THEN 4
    WHEN NEW.status IN ('approved', 'declined')
      OR (NEW.decided_at IS NOT NULL AND NEW.status <> 'manual_review') THEN 3
    WHEN NEW.submitted_at IS NOT NULL THEN 2
    WHEN NEW.step IS NOT NULL OR NEW.status NOT IN ('link_sent', 'canceled', 'expired') THEN 1
    ELSE 0 END) > NEW.funnel_stage
BEGIN
  UPDATE applications SET funnel_stage = (CASE
    WHEN NEW.status IN ('funded', 'partially_refunded', 'refunded') THEN 5
    WHEN NEW.status IN ('offer_accepted', 'pending_funding', 'awaiting_completion', 'lender_declined')
      OR NEW.selected_offer_id IS NOT NULL THEN 4
    WHEN NEW.status IN ('approved', 'declined')
      OR (NEW.decided_at IS NOT NULL AND NEW.status <> 'manual_review') THEN 3
    WHEN NEW.submitted_at IS NOT NULL THEN 2
    WHEN NEW.step IS NOT NULL OR NEW.status NOT IN ('link_sent', 'canceled', 'expired') THEN 1
    ELSE 0 END) WHERE id = NEW.id;
END;
--> statement-breakpoint
CREATE TRIGGER applications_funnel_stage_update
AFTER UPDATE OF status, step, submitted_at, decided_at, selected_offer_id ON applications
WHEN (CASE
    WHEN NEW.status IN ('funded', 'partially_refunded', 'refunded') THEN 5
    WHEN NEW.status IN ('offer_accepted', 'pending_funding', 'awaiting_completion', 'lender_declined')
      OR NEW.selected_offer_id IS NOT NULL THEN 4
    WHEN NEW.status IN ('approved', 'declined')
      OR (NEW.decided_at IS NOT NULL AND NEW.status <> 'manual_review') THEN 3
    WHEN NEW.submitted_at IS NOT NULL THEN 2
    WHEN NEW.step IS NOT NULL OR NEW.status NOT IN ('link_sent', 'canceled', 'expired') THEN 1
    ELSE 0 END) > NEW.funnel_stage
BEGIN
  UPDATE applications SET funnel_stage = (CASE
    WHEN NEW.status IN ('funded', 'partially_refunded', 'refunded') THEN 5
    WHEN NEW.status IN ('offer_accepted', 'pending_funding', 'awaiting_completion', 'lender_declined')
      OR NEW.selected_offer_id IS NOT NULL THEN 4
    WHEN NEW.status IN ('approved', 'declined')
      OR (NEW.decided_at IS NOT NULL AND NEW.status <> 'manual_review') THEN 3
    WHEN NEW.submitted_at IS NOT NULL THEN 2
    WHEN NEW.step IS NOT NULL OR NEW.status NOT IN ('link_sent', 'canceled', 'expired') THEN 1
    ELSE 0 END) WHERE id = NEW.id;
END;
--> statement-breakpoint
CREATE TRIGGER loans_funnel_stage_insert AFTER INSERT ON loans
WHEN NEW.funded_at IS NOT NULL
BEGIN
  UPDATE applications SET funnel_stage = 5 WHERE id = NEW.application_id AND funnel_stage < 5;
END;
--> statement-breakpoint
CREATE TRIGGER loans_funnel_stage_update AFTER UPDATE OF funded_at ON loans
WHEN NEW.funded_at IS NOT NULL
BEGIN
  UPDATE applications SET funnel_stage = 5 WHERE id = NEW.application_id AND funnel_stage < 5;
END;
--> statement-breakpoint
-- The funnel (global and per merchant) by the day the link was sent (the application's
-- created day), and the merchant's applications by current status: counted on insert, moved on
-- a change, removed on delete. A step forward on the same day adds only the new steps.
CREATE TRIGGER applications_funnel_rollup_insert AFTER INSERT ON applications
BEGIN
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT 'funnel', NEW.created_at / 86400000, s.value, 1, 0 FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s
  WHERE s.key <= NEW.funnel_stage
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  SELECT NEW.merchant_id, 'funnel', NEW.created_at / 86400000, s.value, 1, 0 FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s
  WHERE s.key <= NEW.funnel_stage
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1;
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  VALUES (NEW.merchant_id, 'status', NEW.created_at / 86400000, NEW.status, 1, NEW.amount_cents)
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
--> statement-breakpoint
CREATE TRIGGER applications_funnel_rollup_forward AFTER UPDATE OF funnel_stage ON applications
WHEN NEW.funnel_stage > OLD.funnel_stage AND OLD.created_at / 86400000 = NEW.created_at / 86400000 AND OLD.merchant_id = NEW.merchant_id
BEGIN
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT 'funnel', NEW.created_at / 86400000, s.value, 1, 0 FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s
  WHERE s.key <= NEW.funnel_stage AND s.key > OLD.funnel_stage
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  SELECT NEW.merchant_id, 'funnel', NEW.created_at / 86400000, s.value, 1, 0 FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s
  WHERE s.key <= NEW.funnel_stage AND s.key > OLD.funnel_stage
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER applications_funnel_rollup_move
AFTER UPDATE OF funnel_stage, created_at, merchant_id ON applications
WHEN NOT (NEW.funnel_stage >= OLD.funnel_stage AND OLD.created_at / 86400000 = NEW.created_at / 86400000 AND OLD.merchant_id = NEW.merchant_id)
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE metric = 'funnel' AND day = OLD.created_at / 86400000
    AND key IN (SELECT s.value FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s WHERE s.key <= OLD.funnel_stage);
  UPDATE merchant_daily_rollups SET n = n - 1
  WHERE merchant_id = OLD.merchant_id AND metric = 'funnel' AND day = OLD.created_at / 86400000
    AND key IN (SELECT s.value FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s WHERE s.key <= OLD.funnel_stage);
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT 'funnel', NEW.created_at / 86400000, s.value, 1, 0 FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s
  WHERE s.key <= NEW.funnel_stage
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  SELECT NEW.merchant_id, 'funnel', NEW.created_at / 86400000, s.value, 1, 0 FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s
  WHERE s.key <= NEW.funnel_stage
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER applications_status_rollup_update
AFTER UPDATE OF status, amount_cents, created_at, merchant_id ON applications
WHEN OLD.status IS NOT NEW.status OR OLD.amount_cents IS NOT NEW.amount_cents
  OR OLD.created_at / 86400000 IS NOT NEW.created_at / 86400000 OR OLD.merchant_id IS NOT NEW.merchant_id
BEGIN
  UPDATE merchant_daily_rollups SET n = n - 1, total = total - OLD.amount_cents
  WHERE merchant_id = OLD.merchant_id AND metric = 'status'
    AND day = OLD.created_at / 86400000 AND key = OLD.status;
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  VALUES (NEW.merchant_id, 'status', NEW.created_at / 86400000, NEW.status, 1, NEW.amount_cents)
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
--> statement-breakpoint
CREATE TRIGGER applications_funnel_rollup_delete AFTER DELETE ON applications
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE metric = 'funnel' AND day = OLD.created_at / 86400000
    AND key IN (SELECT s.value FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s WHERE s.key <= OLD.funnel_stage);
  UPDATE merchant_daily_rollups SET n = n - 1
  WHERE merchant_id = OLD.merchant_id AND metric = 'funnel' AND day = OLD.created_at / 86400000
    AND key IN (SELECT s.value FROM json_each('["sent","opened","submitted","decided","signed","funded"]') AS s WHERE s.key <= OLD.funnel_stage);
  UPDATE merchant_daily_rollups SET n = n - 1, total = total - OLD.amount_cents
  WHERE merchant_id = OLD.merchant_id AND metric = 'status'
    AND day = OLD.created_at / 86400000 AND key = OLD.status;
END;
--> statement-breakpoint
-- The merchant's funded loans (funded_at set, whatever the loan's later status — the portal's
-- "Funded volume" and "Merchant fees"), by the day of funding.
CREATE TRIGGER loans_merchant_rollup_insert AFTER INSERT ON loans
WHEN NEW.funded_at IS NOT NULL
BEGIN
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  SELECT NEW.merchant_id, 'funded', NEW.funded_at / 86400000, '', 1, coalesce(NEW.funded_amount_cents, 0)
  WHERE NEW.funded_at IS NOT NULL
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  SELECT NEW.merchant_id, 'funded_fee', NEW.funded_at / 86400000, '', 1, NEW.merchant_fee_cents
  WHERE NEW.funded_at IS NOT NULL
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
--> statement-breakpoint
CREATE TRIGGER loans_merchant_rollup_update
AFTER UPDATE OF funded_at, funded_amount_cents, merchant_fee_cents, merchant_id ON loans
WHEN OLD.funded_at IS NOT NEW.funded_at OR OLD.funded_amount_cents IS NOT NEW.funded_amount_cents
  OR OLD.merchant_fee_cents IS NOT NEW.merchant_fee_cents OR OLD.merchant_id IS NOT NEW.merchant_id
BEGIN
  UPDATE merchant_daily_rollups SET n = n - 1, total = total - coalesce(OLD.funded_amount_cents, 0)
  WHERE OLD.funded_at IS NOT NULL AND merchant_id = OLD.merchant_id AND metric = 'funded'
    AND day = OLD.funded_at / 86400000 AND key = '';
  UPDATE merchant_daily_rollups SET n = n - 1, total = total - OLD.merchant_fee_cents
  WHERE OLD.funded_at IS NOT NULL AND merchant_id = OLD.merchant_id AND metric = 'funded_fee'
    AND day = OLD.funded_at / 86400000 AND key = '';
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  SELECT NEW.merchant_id, 'funded', NEW.funded_at / 86400000, '', 1, coalesce(NEW.funded_amount_cents, 0)
  WHERE NEW.funded_at IS NOT NULL
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
  INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
  SELECT NEW.merchant_id, 'funded_fee', NEW.funded_at / 86400000, '', 1, NEW.merchant_fee_cents
  WHERE NEW.funded_at IS NOT NULL
  ON CONFLICT (merchant_id, metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
--> statement-breakpoint
CREATE TRIGGER loans_merchant_rollup_delete AFTER DELETE ON loans
WHEN OLD.funded_at IS NOT NULL
BEGIN
  UPDATE merchant_daily_rollups SET n = n - 1, total = total - coalesce(OLD.funded_amount_cents, 0)
  WHERE OLD.funded_at IS NOT NULL AND merchant_id = OLD.merchant_id AND metric = 'funded'
    AND day = OLD.funded_at / 86400000 AND key = '';
  UPDATE merchant_daily_rollups SET n = n - 1, total = total - OLD.merchant_fee_cents
  WHERE OLD.funded_at IS NOT NULL AND merchant_id = OLD.merchant_id AND metric = 'funded_fee'
    AND day = OLD.funded_at / 86400000 AND key = '';
END;
--> statement-breakpoint
-- Time to decision split (ADR 079): submitted → the application's latest decision, by that
-- decision's day; `ttd_manual` when an underwriter made it (decided_by set), `ttd_auto` for the
-- engine's approval or decline (its "manual_review" is not a decision yet). Keyed like
-- time_to_decision (app/ops/rollups.ts durationKey). A new latest decision moves the application.
CREATE TRIGGER decisions_ttd_split_rollup AFTER INSERT ON decisions
WHEN NOT EXISTS (SELECT 1 FROM decisions later WHERE later.application_id = NEW.application_id
  AND later.id <> NEW.id
  AND (later.decided_at > NEW.decided_at OR (later.decided_at = NEW.decided_at AND later.id > NEW.id)))
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE (metric, day, key) = (
    SELECT CASE WHEN x.who IS NULL THEN 'ttd_auto' ELSE 'ttd_manual' END, x.day, CAST(CASE
      WHEN x.d < 1000 THEN x.d
      WHEN x.s < 3600 THEN x.s * 1000
      WHEN x.s < 86400 THEN (x.s / 60) * 60000
      ELSE (x.s / 3600) * 3600000 END AS TEXT)
    FROM (SELECT p.decided_by AS who, p.status AS status, p.decided_at / 86400000 AS day,
        p.decided_at - (SELECT a.submitted_at FROM applications a WHERE a.id = NEW.application_id) AS d, CAST(round((p.decided_at - (SELECT a.submitted_at FROM applications a WHERE a.id = NEW.application_id)) / 1000.0) AS INTEGER) AS s
      FROM decisions p WHERE p.application_id = NEW.application_id AND p.id <> NEW.id
      ORDER BY p.decided_at DESC, p.id DESC LIMIT 1) AS x
    WHERE (x.who IS NOT NULL OR x.status <> 'manual_review') AND x.d >= 0);
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT CASE WHEN NEW.decided_by IS NULL THEN 'ttd_auto' ELSE 'ttd_manual' END,
    NEW.decided_at / 86400000, CAST(CASE
      WHEN x.d < 1000 THEN x.d
      WHEN x.s < 3600 THEN x.s * 1000
      WHEN x.s < 86400 THEN (x.s / 60) * 60000
      ELSE (x.s / 3600) * 3600000 END AS TEXT), 1, 0
  FROM (SELECT NEW.decided_at - a.submitted_at AS d,
      CAST(round((NEW.decided_at - a.submitted_at) / 1000.0) AS INTEGER) AS s
    FROM applications a WHERE a.id = NEW.application_id) AS x
  WHERE (NEW.decided_by IS NOT NULL OR NEW.status <> 'manual_review') AND x.d >= 0
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER applications_ttd_split_submitted AFTER UPDATE OF submitted_at ON applications
WHEN OLD.submitted_at IS NOT NEW.submitted_at
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE (metric, day, key) = (
    SELECT CASE WHEN x.who IS NULL THEN 'ttd_auto' ELSE 'ttd_manual' END, x.day, CAST(CASE
      WHEN x.d < 1000 THEN x.d
      WHEN x.s < 3600 THEN x.s * 1000
      WHEN x.s < 86400 THEN (x.s / 60) * 60000
      ELSE (x.s / 3600) * 3600000 END AS TEXT)
    FROM (SELECT p.decided_by AS who, p.status AS status, p.decided_at / 86400000 AS day,
        p.decided_at - OLD.submitted_at AS d, CAST(round((p.decided_at - OLD.submitted_at) / 1000.0) AS INTEGER) AS s
      FROM decisions p WHERE p.application_id = NEW.id
      ORDER BY p.decided_at DESC, p.id DESC LIMIT 1) AS x
    WHERE (x.who IS NOT NULL OR x.status <> 'manual_review') AND x.d >= 0);
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT CASE WHEN x.who IS NULL THEN 'ttd_auto' ELSE 'ttd_manual' END, x.day, CAST(CASE
      WHEN x.d < 1000 THEN x.d
      WHEN x.s < 3600 THEN x.s * 1000
      WHEN x.s < 86400 THEN (x.s / 60) * 60000
      ELSE (x.s / 3600) * 3600000 END AS TEXT), 1, 0
    FROM (SELECT p.decided_by AS who, p.status AS status, p.decided_at / 86400000 AS day,
        p.decided_at - NEW.submitted_at AS d, CAST(round((p.decided_at - NEW.submitted_at) / 1000.0) AS INTEGER) AS s
      FROM decisions p WHERE p.application_id = NEW.id
      ORDER BY p.decided_at DESC, p.id DESC LIMIT 1) AS x
    WHERE (x.who IS NOT NULL OR x.status <> 'manual_review') AND x.d >= 0
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
-- Each merchant's CRM calls by operation (ADR 080): a success resets the failures since the
-- last success; a failure (a call that failed, or a write we could not attempt — NOT_ATTEMPTED:)
-- counts one more and keeps its error. Calls without a merchant are not a merchant's card.
CREATE TRIGGER crm_sync_logs_health AFTER INSERT ON crm_sync_logs
WHEN NEW.merchant_id IS NOT NULL
BEGIN
  INSERT INTO crm_write_health (merchant_id, crm, operation, last_success_at, last_failure_at,
    last_error, failures_since_success)
  VALUES (NEW.merchant_id, NEW.crm, NEW.operation,
    CASE WHEN NEW.outcome = 'ok' THEN NEW.created_at END,
    CASE WHEN NEW.outcome = 'error' THEN NEW.created_at END,
    CASE WHEN NEW.outcome = 'error' THEN NEW.error END,
    CASE WHEN NEW.outcome = 'error' THEN 1 ELSE 0 END)
  ON CONFLICT (merchant_id, crm, operation) DO UPDATE SET
    last_success_at = CASE WHEN NEW.outcome = 'ok' THEN NEW.created_at ELSE last_success_at END,
    last_failure_at = CASE WHEN NEW.outcome = 'error' THEN NEW.created_at ELSE last_failure_at END,
    last_error = CASE WHEN NEW.outcome = 'error' THEN NEW.error ELSE last_error END,
    failures_since_success = CASE WHEN NEW.outcome = 'ok' THEN 0 ELSE failures_since_success + 1 END;
END;
--> statement-breakpoint
-- What existed before this migration: counted once, here.
UPDATE applications SET funnel_stage = max((CASE
    WHEN applications.status IN ('funded', 'partially_refunded', 'refunded') THEN 5
    WHEN applications.status IN ('offer_accepted', 'pending_funding', 'awaiting_completion', 'lender_declined')
      OR applications.selected_offer_id IS NOT NULL THEN 4
    WHEN applications.status IN ('approved', 'declined')
      OR (applications.decided_at IS NOT NULL AND applications.status <> 'manual_review') THEN 3
    WHEN applications.submitted_at IS NOT NULL THEN 2
    WHEN applications.step IS NOT NULL OR applications.status NOT IN ('link_sent', 'canceled', 'expired') THEN 1
    ELSE 0 END),
  CASE WHEN EXISTS (SELECT 1 FROM loans l WHERE l.application_id = applications.id
    AND l.funded_at IS NOT NULL) THEN 5 ELSE 0 END)
WHERE funnel_stage = 0;
--> statement-breakpoint
DELETE FROM daily_rollups WHERE metric IN ('funnel', 'ttd_auto', 'ttd_manual');
--> statement-breakpoint
DELETE FROM merchant_daily_rollups;
--> statement-breakpoint
INSERT INTO daily_rollups (metric, day, key, n, total)
SELECT 'funnel', a.created_at / 86400000, s.value, count(*), 0
FROM applications a JOIN json_each('["sent","opened","submitted","decided","signed","funded"]') AS s ON s.key <= a.funnel_stage
GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
SELECT a.merchant_id, 'funnel', a.created_at / 86400000, s.value, count(*), 0
FROM applications a JOIN json_each('["sent","opened","submitted","decided","signed","funded"]') AS s ON s.key <= a.funnel_stage
GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
SELECT merchant_id, 'status', created_at / 86400000, status, count(*), sum(amount_cents)
FROM applications GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
SELECT merchant_id, 'funded', funded_at / 86400000, '', count(*), coalesce(sum(funded_amount_cents), 0)
FROM loans WHERE funded_at IS NOT NULL GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO merchant_daily_rollups (merchant_id, metric, day, key, n, total)
SELECT merchant_id, 'funded_fee', funded_at / 86400000, '', count(*), sum(merchant_fee_cents)
FROM loans WHERE funded_at IS NOT NULL GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO daily_rollups (metric, day, key, n, total)
SELECT CASE WHEN x.who IS NULL THEN 'ttd_auto' ELSE 'ttd_manual' END, x.day, CAST(CASE
      WHEN x.d < 1000 THEN x.d
      WHEN x.s < 3600 THEN x.s * 1000
      WHEN x.s < 86400 THEN (x.s / 60) * 60000
      ELSE (x.s / 3600) * 3600000 END AS TEXT), count(*), 0
FROM (SELECT d.decided_by AS who, d.status AS status, d.decided_at / 86400000 AS day,
    d.decided_at - a.submitted_at AS d, CAST(round((d.decided_at - a.submitted_at) / 1000.0) AS INTEGER) AS s
  FROM decisions d JOIN applications a ON a.id = d.application_id
  WHERE NOT EXISTS (SELECT 1 FROM decisions later WHERE later.application_id = d.application_id
    AND (later.decided_at > d.decided_at OR (later.decided_at = d.decided_at AND later.id > d.id)))) AS x
WHERE (x.who IS NOT NULL OR x.status <> 'manual_review') AND x.d >= 0
GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO crm_write_health (merchant_id, crm, operation, last_success_at, last_failure_at,
  last_error, failures_since_success)
SELECT l.merchant_id, l.crm, l.operation,
  max(CASE WHEN l.outcome = 'ok' THEN l.created_at END),
  max(CASE WHEN l.outcome = 'error' THEN l.created_at END),
  (SELECT e.error FROM crm_sync_logs e WHERE e.merchant_id = l.merchant_id AND e.crm = l.crm
    AND e.operation = l.operation AND e.outcome = 'error' ORDER BY e.created_at DESC LIMIT 1),
  sum(l.outcome = 'error' AND l.created_at > coalesce((SELECT max(o.created_at) FROM crm_sync_logs o
    WHERE o.merchant_id = l.merchant_id AND o.crm = l.crm AND o.operation = l.operation
      AND o.outcome = 'ok'), -1))
FROM crm_sync_logs l WHERE l.merchant_id IS NOT NULL
GROUP BY 1, 2, 3;
