-- Custom SQL migration file, put your migrations below this line! --
-- The FlowOps dashboard's 30-day figures as daily rollups (ADR 072; table: migration 0030,
-- db/schema/rollups.ts), kept by triggers in the transaction that changes the counted rows, so
-- a figure is never out of step with the data and the dashboard never reads history.
-- Each figure keeps the dashboard's definition (app/ops/dashboard.server.ts) exactly; a test
-- compares them with a count over the tables (app/ops/rollups.test.ts).

-- Decisions by status: each application once, by its latest decision (decisions are immutable,
-- migration 0005: only inserts). A new latest decision moves the application from its previous
-- decision's (day, status) to its own.
CREATE TRIGGER decisions_rollup AFTER INSERT ON decisions
WHEN NOT EXISTS (SELECT 1 FROM decisions later WHERE later.application_id = NEW.application_id
  AND later.id <> NEW.id
  AND (later.decided_at > NEW.decided_at OR (later.decided_at = NEW.decided_at AND later.id > NEW.id)))
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE metric = 'decision' AND (day, key) = (
    SELECT p.decided_at / 86400000, p.status FROM decisions p
    WHERE p.application_id = NEW.application_id AND p.id <> NEW.id
    ORDER BY p.decided_at DESC, p.id DESC LIMIT 1);
  INSERT INTO daily_rollups (metric, day, key, n, total)
  VALUES ('decision', NEW.decided_at / 86400000, NEW.status, 1, 0)
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint

-- Offers selected (signed agreements) and their amount financed, by the day of selection.
-- An offer's terms never change (migration 0005) and offers are never deleted.
CREATE TRIGGER offers_rollup_insert AFTER INSERT ON offers
WHEN NEW.selected_at IS NOT NULL
BEGIN
  INSERT INTO daily_rollups (metric, day, key, n, total)
  VALUES ('offer_selected', NEW.selected_at / 86400000, '', 1, NEW.amount_financed_cents)
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
--> statement-breakpoint
CREATE TRIGGER offers_rollup_update AFTER UPDATE OF selected_at ON offers
WHEN OLD.selected_at IS NOT NEW.selected_at
BEGIN
  UPDATE daily_rollups SET n = n - 1, total = total - OLD.amount_financed_cents
  WHERE OLD.selected_at IS NOT NULL AND metric = 'offer_selected'
    AND day = OLD.selected_at / 86400000 AND key = '';
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT 'offer_selected', NEW.selected_at / 86400000, '', 1, NEW.amount_financed_cents
  WHERE NEW.selected_at IS NOT NULL
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
--> statement-breakpoint

-- Funded loans and funded volume, by the day of funding, while the loan's status is funded.
CREATE TRIGGER loans_rollup_insert AFTER INSERT ON loans
WHEN NEW.status = 'funded' AND NEW.funded_at IS NOT NULL
BEGIN
  INSERT INTO daily_rollups (metric, day, key, n, total)
  VALUES ('loan_funded', NEW.funded_at / 86400000, '', 1, coalesce(NEW.funded_amount_cents, 0))
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
--> statement-breakpoint
CREATE TRIGGER loans_rollup_update AFTER UPDATE OF status, funded_at, funded_amount_cents ON loans
WHEN (OLD.status = 'funded' AND OLD.funded_at IS NOT NULL)
  OR (NEW.status = 'funded' AND NEW.funded_at IS NOT NULL)
BEGIN
  UPDATE daily_rollups SET n = n - 1, total = total - coalesce(OLD.funded_amount_cents, 0)
  WHERE OLD.status = 'funded' AND OLD.funded_at IS NOT NULL AND metric = 'loan_funded'
    AND day = OLD.funded_at / 86400000 AND key = '';
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT 'loan_funded', NEW.funded_at / 86400000, '', 1, coalesce(NEW.funded_amount_cents, 0)
  WHERE NEW.status = 'funded' AND NEW.funded_at IS NOT NULL
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
--> statement-breakpoint
CREATE TRIGGER loans_rollup_delete AFTER DELETE ON loans
WHEN OLD.status = 'funded' AND OLD.funded_at IS NOT NULL
BEGIN
  UPDATE daily_rollups SET n = n - 1, total = total - coalesce(OLD.funded_amount_cents, 0)
  WHERE metric = 'loan_funded' AND day = OLD.funded_at / 86400000 AND key = '';
END;
--> statement-breakpoint

-- Time to decision (submitted → decided) of applications not in manual review, counted by
-- duration at the precision the dashboard shows it (app/ops/rollups.ts durationKey: ms below
-- 1 s, whole seconds below 1 h, minutes below a day, then hours), so percentiles read from the
-- rollup show exactly what the per-row percentiles showed.
CREATE TRIGGER applications_rollup_insert AFTER INSERT ON applications
WHEN NEW.decided_at IS NOT NULL AND NEW.submitted_at IS NOT NULL
  AND NEW.decided_at >= NEW.submitted_at AND NEW.status <> 'manual_review'
BEGIN
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT 'time_to_decision', NEW.decided_at / 86400000, CAST(CASE
      WHEN d < 1000 THEN d
      WHEN s < 3600 THEN s * 1000
      WHEN s < 86400 THEN (s / 60) * 60000
      ELSE (s / 3600) * 3600000 END AS TEXT), 1, 0
  FROM (SELECT NEW.decided_at - NEW.submitted_at AS d,
    CAST(round((NEW.decided_at - NEW.submitted_at) / 1000.0) AS INTEGER) AS s)
  WHERE true
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER applications_rollup_update AFTER UPDATE OF decided_at, submitted_at, status ON applications
WHEN (OLD.decided_at IS NOT NEW.decided_at OR OLD.submitted_at IS NOT NEW.submitted_at
    OR (OLD.status = 'manual_review') IS NOT (NEW.status = 'manual_review'))
  AND ((OLD.decided_at IS NOT NULL AND OLD.submitted_at IS NOT NULL
      AND OLD.decided_at >= OLD.submitted_at AND OLD.status <> 'manual_review')
    OR (NEW.decided_at IS NOT NULL AND NEW.submitted_at IS NOT NULL
      AND NEW.decided_at >= NEW.submitted_at AND NEW.status <> 'manual_review'))
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE OLD.decided_at IS NOT NULL AND OLD.submitted_at IS NOT NULL
    AND OLD.decided_at >= OLD.submitted_at AND OLD.status <> 'manual_review'
    AND metric = 'time_to_decision' AND day = OLD.decided_at / 86400000
    AND key = (SELECT CAST(CASE
        WHEN d < 1000 THEN d
        WHEN s < 3600 THEN s * 1000
        WHEN s < 86400 THEN (s / 60) * 60000
        ELSE (s / 3600) * 3600000 END AS TEXT)
      FROM (SELECT OLD.decided_at - OLD.submitted_at AS d,
        CAST(round((OLD.decided_at - OLD.submitted_at) / 1000.0) AS INTEGER) AS s));
  INSERT INTO daily_rollups (metric, day, key, n, total)
  SELECT 'time_to_decision', NEW.decided_at / 86400000, CAST(CASE
      WHEN d < 1000 THEN d
      WHEN s < 3600 THEN s * 1000
      WHEN s < 86400 THEN (s / 60) * 60000
      ELSE (s / 3600) * 3600000 END AS TEXT), 1, 0
  FROM (SELECT NEW.decided_at - NEW.submitted_at AS d,
    CAST(round((NEW.decided_at - NEW.submitted_at) / 1000.0) AS INTEGER) AS s)
  WHERE NEW.decided_at IS NOT NULL AND NEW.submitted_at IS NOT NULL
    AND NEW.decided_at >= NEW.submitted_at AND NEW.status <> 'manual_review'
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER applications_rollup_delete AFTER DELETE ON applications
WHEN OLD.decided_at IS NOT NULL AND OLD.submitted_at IS NOT NULL
  AND OLD.decided_at >= OLD.submitted_at AND OLD.status <> 'manual_review'
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE metric = 'time_to_decision' AND day = OLD.decided_at / 86400000
    AND key = (SELECT CAST(CASE
        WHEN d < 1000 THEN d
        WHEN s < 3600 THEN s * 1000
        WHEN s < 86400 THEN (s / 60) * 60000
        ELSE (s / 3600) * 3600000 END AS TEXT)
      FROM (SELECT OLD.decided_at - OLD.submitted_at AS d,
        CAST(round((OLD.decided_at - OLD.submitted_at) / 1000.0) AS INTEGER) AS s));
END;
--> statement-breakpoint

-- What existed before this migration: counted once, here.
INSERT INTO daily_rollups (metric, day, key, n, total)
SELECT 'decision', d.decided_at / 86400000, d.status, count(*), 0 FROM decisions d
WHERE NOT EXISTS (SELECT 1 FROM decisions later WHERE later.application_id = d.application_id
  AND (later.decided_at > d.decided_at OR (later.decided_at = d.decided_at AND later.id > d.id)))
GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO daily_rollups (metric, day, key, n, total)
SELECT 'offer_selected', selected_at / 86400000, '', count(*), sum(amount_financed_cents)
FROM offers WHERE selected_at IS NOT NULL GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO daily_rollups (metric, day, key, n, total)
SELECT 'loan_funded', funded_at / 86400000, '', count(*), coalesce(sum(funded_amount_cents), 0)
FROM loans WHERE status = 'funded' AND funded_at IS NOT NULL GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO daily_rollups (metric, day, key, n, total)
SELECT 'time_to_decision', decided_at / 86400000, CAST(CASE
    WHEN d < 1000 THEN d
    WHEN s < 3600 THEN s * 1000
    WHEN s < 86400 THEN (s / 60) * 60000
    ELSE (s / 3600) * 3600000 END AS TEXT), count(*), 0
FROM (SELECT decided_at, decided_at - submitted_at AS d,
    CAST(round((decided_at - submitted_at) / 1000.0) AS INTEGER) AS s
  FROM applications WHERE decided_at IS NOT NULL AND submitted_at IS NOT NULL
    AND decided_at >= submitted_at AND status <> 'manual_review')
GROUP BY 1, 2, 3;
