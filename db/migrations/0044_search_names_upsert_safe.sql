-- The name-word triggers of 0038 relied on INSERT OR IGNORE, but SQLite lets the statement that
-- fires a trigger impose its own conflict policy on the trigger's statements: the intake's
-- customer upsert (INSERT … ON CONFLICT DO UPDATE) turned a word already known — every repeat
-- customer's own name — into a UNIQUE failure and the intake into a 500. The words are now
-- inserted only when absent (an index probe each), so no conflict can arise whatever fires them.
DROP TRIGGER IF EXISTS application_search_names_after_insert;
--> statement-breakpoint
DROP TRIGGER IF EXISTS application_search_names_after_update;
--> statement-breakpoint
CREATE TRIGGER application_search_names_after_insert AFTER INSERT ON customers
BEGIN
	INSERT INTO application_search_names (term)
	SELECT DISTINCT w.term FROM (
		SELECT lower(trim(substr(new.first_name, 1, instr(new.first_name || ' ', ' ') - 1))) AS term
		UNION ALL SELECT lower(trim(substr(new.first_name, instr(new.first_name || ' ', ' ') + 1)))
		UNION ALL SELECT lower(trim(substr(new.last_name, 1, instr(new.last_name || ' ', ' ') - 1)))
		UNION ALL SELECT lower(trim(substr(new.last_name, instr(new.last_name || ' ', ' ') + 1)))
	) w
	WHERE length(w.term) >= 3
		AND NOT EXISTS (SELECT 1 FROM application_search_names n WHERE n.term = w.term);
END;
--> statement-breakpoint
CREATE TRIGGER application_search_names_after_update AFTER UPDATE OF first_name, last_name ON customers
WHEN old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name
BEGIN
	INSERT INTO application_search_names (term)
	SELECT DISTINCT w.term FROM (
		SELECT lower(trim(substr(new.first_name, 1, instr(new.first_name || ' ', ' ') - 1))) AS term
		UNION ALL SELECT lower(trim(substr(new.first_name, instr(new.first_name || ' ', ' ') + 1)))
		UNION ALL SELECT lower(trim(substr(new.last_name, 1, instr(new.last_name || ' ', ' ') - 1)))
		UNION ALL SELECT lower(trim(substr(new.last_name, instr(new.last_name || ' ', ' ') + 1)))
	) w
	WHERE length(w.term) >= 3
		AND NOT EXISTS (SELECT 1 FROM application_search_names n WHERE n.term = w.term);
END;
