-- Custom SQL migration file, put your migrations below this line! --
-- Applications created per UTC day (ADR 072): the dashboard's "Applications today" and its
-- 14-day chart read 14 rollup rows instead of 14 days of applications.
CREATE TRIGGER applications_rollup_created AFTER INSERT ON applications
BEGIN
  INSERT INTO daily_rollups (metric, day, key, n, total)
  VALUES ('application', NEW.created_at / 86400000, '', 1, 0)
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER applications_rollup_created_update AFTER UPDATE OF created_at ON applications
WHEN OLD.created_at / 86400000 IS NOT NEW.created_at / 86400000
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE metric = 'application' AND day = OLD.created_at / 86400000 AND key = '';
  INSERT INTO daily_rollups (metric, day, key, n, total)
  VALUES ('application', NEW.created_at / 86400000, '', 1, 0)
  ON CONFLICT (metric, day, key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER applications_rollup_created_delete AFTER DELETE ON applications
BEGIN
  UPDATE daily_rollups SET n = n - 1
  WHERE metric = 'application' AND day = OLD.created_at / 86400000 AND key = '';
END;
--> statement-breakpoint
INSERT INTO daily_rollups (metric, day, key, n, total)
SELECT 'application', created_at / 86400000, '', count(*), 0 FROM applications GROUP BY 1, 2, 3;
