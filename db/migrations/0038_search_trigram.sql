-- Forgiving FlowOps search (ADR 081): beside the word index of migration 0008, a trigram index
-- of each application's customer name, e-mail and phone digits, so a search finds part of a
-- word ("ivera", "@acme") and the last 4+ digits of a phone; and the customers' name words, in
-- which app/ops/search.server.ts looks up a typed name's one-edit spellings (a misspelt name). Contentless (content = ''): it keeps
-- the trigram postings only, never a second copy of the text (the names, e-mails and phones are
-- plain columns of customers, ADR 004; SSN and date of birth are encrypted and never indexed).
-- Rowids are application_search_rows.id (0008), shared with the word index.
--
-- One trigger per event keeps both indexes, in the transaction of the write (0008's triggers are
-- replaced by the same statements plus the trigram row: two AFTER INSERT triggers on applications
-- would run in an unspecified order, and the trigram row needs 0008's rowid first).
CREATE VIRTUAL TABLE `application_search_trigram` USING fts5(
	name,
	email,
	phone,
	tokenize = 'trigram remove_diacritics 1',
	content = '',
	contentless_delete = 1
);
--> statement-breakpoint
-- The name words customers have (lower case; a name of two words gives both), without who has
-- them: a typed name word's one-edit spellings are looked up here — a few hundred b-tree seeks —
-- and those that exist are searched in the word index ("Jonh" finds John). Only ever added to: a
-- word nobody has any more finds nothing.
CREATE TABLE `application_search_names` (`term` text PRIMARY KEY NOT NULL) WITHOUT ROWID;
--> statement-breakpoint
CREATE TRIGGER application_search_names_after_insert AFTER INSERT ON customers
BEGIN
	INSERT OR IGNORE INTO application_search_names (term)
	SELECT term FROM (
		SELECT lower(trim(substr(new.first_name, 1, instr(new.first_name || ' ', ' ') - 1))) AS term
		UNION ALL SELECT lower(trim(substr(new.first_name, instr(new.first_name || ' ', ' ') + 1)))
		UNION ALL SELECT lower(trim(substr(new.last_name, 1, instr(new.last_name || ' ', ' ') - 1)))
		UNION ALL SELECT lower(trim(substr(new.last_name, instr(new.last_name || ' ', ' ') + 1)))
	) WHERE length(term) >= 3;
END;
--> statement-breakpoint
CREATE TRIGGER application_search_names_after_update AFTER UPDATE OF first_name, last_name ON customers
WHEN old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name
BEGIN
	INSERT OR IGNORE INTO application_search_names (term)
	SELECT term FROM (
		SELECT lower(trim(substr(new.first_name, 1, instr(new.first_name || ' ', ' ') - 1))) AS term
		UNION ALL SELECT lower(trim(substr(new.first_name, instr(new.first_name || ' ', ' ') + 1)))
		UNION ALL SELECT lower(trim(substr(new.last_name, 1, instr(new.last_name || ' ', ' ') - 1)))
		UNION ALL SELECT lower(trim(substr(new.last_name, instr(new.last_name || ' ', ' ') + 1)))
	) WHERE length(term) >= 3;
END;
--> statement-breakpoint
DROP TRIGGER application_search_after_insert;
--> statement-breakpoint
CREATE TRIGGER application_search_after_insert AFTER INSERT ON applications
BEGIN
	INSERT INTO application_search_rows (application_id) VALUES (new.id);
	INSERT INTO application_search (rowid, application_id, name, email, phone, crm_ids)
	SELECT r.id, new.id, c.first_name || ' ' || c.last_name, coalesce(c.email, ''),
		replace(c.phone, '+', '') || ' ' || substr(replace(c.phone, '+', ''), -10) || ' ' || substr(c.phone, -7),
		c.crm_customer_id || ' ' || coalesce(j.crm_job_id, '')
	FROM application_search_rows r
	JOIN customers c ON c.id = new.customer_id
	LEFT JOIN service_jobs j ON j.id = new.service_job_id
	WHERE r.application_id = new.id;
	INSERT INTO application_search_trigram (rowid, name, email, phone)
	SELECT r.id, c.first_name || ' ' || c.last_name, coalesce(c.email, ''), replace(c.phone, '+', '')
	FROM application_search_rows r
	JOIN customers c ON c.id = new.customer_id
	WHERE r.application_id = new.id;
END;
--> statement-breakpoint
DROP TRIGGER application_search_after_update;
--> statement-breakpoint
CREATE TRIGGER application_search_after_update AFTER UPDATE OF customer_id, service_job_id ON applications
WHEN old.customer_id IS NOT new.customer_id OR old.service_job_id IS NOT new.service_job_id
BEGIN
	DELETE FROM application_search
	WHERE rowid = (SELECT id FROM application_search_rows WHERE application_id = new.id);
	INSERT INTO application_search (rowid, application_id, name, email, phone, crm_ids)
	SELECT r.id, new.id, c.first_name || ' ' || c.last_name, coalesce(c.email, ''),
		replace(c.phone, '+', '') || ' ' || substr(replace(c.phone, '+', ''), -10) || ' ' || substr(c.phone, -7),
		c.crm_customer_id || ' ' || coalesce(j.crm_job_id, '')
	FROM application_search_rows r
	JOIN customers c ON c.id = new.customer_id
	LEFT JOIN service_jobs j ON j.id = new.service_job_id
	WHERE r.application_id = new.id;
	DELETE FROM application_search_trigram
	WHERE rowid = (SELECT id FROM application_search_rows WHERE application_id = new.id);
	INSERT INTO application_search_trigram (rowid, name, email, phone)
	SELECT r.id, c.first_name || ' ' || c.last_name, coalesce(c.email, ''), replace(c.phone, '+', '')
	FROM application_search_rows r
	JOIN customers c ON c.id = new.customer_id
	WHERE r.application_id = new.id;
END;
--> statement-breakpoint
DROP TRIGGER application_search_after_delete;
--> statement-breakpoint
CREATE TRIGGER application_search_after_delete AFTER DELETE ON applications
BEGIN
	DELETE FROM application_search
	WHERE rowid = (SELECT id FROM application_search_rows WHERE application_id = old.id);
	DELETE FROM application_search_trigram
	WHERE rowid = (SELECT id FROM application_search_rows WHERE application_id = old.id);
	DELETE FROM application_search_rows WHERE application_id = old.id;
END;
--> statement-breakpoint
-- The CRM upserts customers on every offer-financing call and the borrower corrects a name or
-- e-mail on the details step: only a change of a searched field rewrites the customer's rows.
DROP TRIGGER application_search_customer_update;
--> statement-breakpoint
CREATE TRIGGER application_search_customer_update AFTER UPDATE OF first_name, last_name, email, phone, crm_customer_id ON customers
WHEN old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name
	OR old.email IS NOT new.email OR old.phone IS NOT new.phone
	OR old.crm_customer_id IS NOT new.crm_customer_id
BEGIN
	DELETE FROM application_search WHERE rowid IN (
		SELECT r.id FROM applications a
		JOIN application_search_rows r ON r.application_id = a.id
		WHERE a.customer_id = new.id
	);
	INSERT INTO application_search (rowid, application_id, name, email, phone, crm_ids)
	SELECT r.id, a.id, new.first_name || ' ' || new.last_name, coalesce(new.email, ''),
		replace(new.phone, '+', '') || ' ' || substr(replace(new.phone, '+', ''), -10) || ' ' || substr(new.phone, -7),
		new.crm_customer_id || ' ' || coalesce(j.crm_job_id, '')
	FROM applications a
	JOIN application_search_rows r ON r.application_id = a.id
	LEFT JOIN service_jobs j ON j.id = a.service_job_id
	WHERE a.customer_id = new.id;
	DELETE FROM application_search_trigram WHERE rowid IN (
		SELECT r.id FROM applications a
		JOIN application_search_rows r ON r.application_id = a.id
		WHERE a.customer_id = new.id
	);
	INSERT INTO application_search_trigram (rowid, name, email, phone)
	SELECT r.id, new.first_name || ' ' || new.last_name, coalesce(new.email, ''), replace(new.phone, '+', '')
	FROM applications a
	JOIN application_search_rows r ON r.application_id = a.id
	WHERE a.customer_id = new.id;
END;
--> statement-breakpoint
-- Backfill: every application that exists already, in the migration's transaction.
INSERT INTO application_search_trigram (rowid, name, email, phone)
SELECT r.id, c.first_name || ' ' || c.last_name, coalesce(c.email, ''), replace(c.phone, '+', '')
FROM application_search_rows r
JOIN applications a ON a.id = r.application_id
JOIN customers c ON c.id = a.customer_id;
--> statement-breakpoint
INSERT OR IGNORE INTO application_search_names (term)
SELECT term FROM (
	SELECT lower(trim(substr(first_name, 1, instr(first_name || ' ', ' ') - 1))) AS term FROM customers
	UNION ALL SELECT lower(trim(substr(first_name, instr(first_name || ' ', ' ') + 1))) FROM customers
	UNION ALL SELECT lower(trim(substr(last_name, 1, instr(last_name || ' ', ' ') - 1))) FROM customers
	UNION ALL SELECT lower(trim(substr(last_name, instr(last_name || ' ', ' ') + 1))) FROM customers
) WHERE length(term) >= 3;
