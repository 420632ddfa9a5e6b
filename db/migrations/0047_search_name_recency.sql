-- A common surname's first page without ranking its matches (ADR 089): every application under
-- its customer's whole first name and whole last name, lower case (the very values search.server.ts
-- ranks as "a whole name"), in order of the application's creation. A name typed alone (or a first
-- and a last name) then reads its newest exact matches from this index, a page at a time, at any
-- table size; the trigram and word indexes (0008, 0038) are read only when the exact matches do
-- not fill the page. Like 0038's tables it holds what customers already hold in plain text
-- (ADR 081): names, never an encrypted field. WITHOUT ROWID: the key is the whole row.
CREATE TABLE `application_search_name_dates` (
	`term` text NOT NULL,
	`created_at` integer NOT NULL,
	`application_id` text NOT NULL,
	PRIMARY KEY (`term`, `created_at`, `application_id`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Kept in the write's transaction. The rows of an application are found again by key — its
-- customer's names, its created_at, its id — so no second index is needed to delete them.
-- UNION (not UNION ALL): a customer whose first and last names are equal has one row.
CREATE TRIGGER application_search_name_dates_after_insert AFTER INSERT ON applications
BEGIN
	INSERT INTO application_search_name_dates (term, created_at, application_id)
	SELECT term, new.created_at, new.id FROM (
		SELECT lower(first_name) AS term FROM customers WHERE id = new.customer_id
		UNION SELECT lower(last_name) FROM customers WHERE id = new.customer_id
	) WHERE term <> '';
END;
--> statement-breakpoint
CREATE TRIGGER application_search_name_dates_after_update AFTER UPDATE OF customer_id, created_at ON applications
WHEN old.customer_id IS NOT new.customer_id OR old.created_at IS NOT new.created_at
BEGIN
	DELETE FROM application_search_name_dates
	WHERE term IN (
		SELECT lower(first_name) FROM customers WHERE id = old.customer_id
		UNION SELECT lower(last_name) FROM customers WHERE id = old.customer_id
	) AND created_at = old.created_at AND application_id = old.id;
	INSERT INTO application_search_name_dates (term, created_at, application_id)
	SELECT term, new.created_at, new.id FROM (
		SELECT lower(first_name) AS term FROM customers WHERE id = new.customer_id
		UNION SELECT lower(last_name) FROM customers WHERE id = new.customer_id
	) WHERE term <> '';
END;
--> statement-breakpoint
CREATE TRIGGER application_search_name_dates_after_delete AFTER DELETE ON applications
BEGIN
	DELETE FROM application_search_name_dates
	WHERE term IN (
		SELECT lower(first_name) FROM customers WHERE id = old.customer_id
		UNION SELECT lower(last_name) FROM customers WHERE id = old.customer_id
	) AND created_at = old.created_at AND application_id = old.id;
END;
--> statement-breakpoint
-- A renamed customer: each of their applications moves from the old names to the new ones
-- (applications_customer_idx finds them; one key seek per row).
CREATE TRIGGER application_search_name_dates_customer_update AFTER UPDATE OF first_name, last_name ON customers
WHEN old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name
BEGIN
	DELETE FROM application_search_name_dates
	WHERE term IN (lower(old.first_name), lower(old.last_name))
		AND (created_at, application_id) IN (SELECT created_at, id FROM applications WHERE customer_id = new.id);
	INSERT INTO application_search_name_dates (term, created_at, application_id)
	SELECT w.term, a.created_at, a.id
	FROM applications a, (SELECT lower(new.first_name) AS term UNION SELECT lower(new.last_name)) w
	WHERE a.customer_id = new.id AND w.term <> '';
END;
--> statement-breakpoint
-- Backfill, in key order (one append per row instead of a random B-tree insert): measured at
-- 1 M applications in ADR 089.
INSERT INTO application_search_name_dates (term, created_at, application_id)
SELECT term, created_at, application_id FROM (
	SELECT lower(c.first_name) AS term, a.created_at AS created_at, a.id AS application_id
	FROM applications a JOIN customers c ON c.id = a.customer_id
	UNION ALL
	SELECT lower(c.last_name), a.created_at, a.id
	FROM applications a JOIN customers c ON c.id = a.customer_id
	WHERE lower(c.last_name) <> lower(c.first_name)
) WHERE term <> ''
ORDER BY term, created_at, application_id;
