-- FlowOps application search: one FTS5 row per application with its customer's name, e-mail,
-- phone (digits as stored, the 10-digit national number and the last 7 digits, so "+1 512…",
-- "(512) 555-0142" and "555-0142" all find it) and CRM ids (customer and job), kept in sync
-- by triggers. Query it through app/ops/applications.server.ts (it builds a safe MATCH string).
--
-- application_search_rows gives each application a stable integer rowid for the FTS table
-- (applications has a text key; its implicit rowid may change on VACUUM / VACUUM INTO), so a
-- trigger can replace one application's row without scanning the index.
CREATE TABLE `application_search_rows` (
	`id` integer PRIMARY KEY,
	`application_id` text NOT NULL UNIQUE
);
--> statement-breakpoint
CREATE VIRTUAL TABLE `application_search` USING fts5(
	application_id UNINDEXED,
	name,
	email,
	phone,
	crm_ids,
	tokenize = 'unicode61 remove_diacritics 2'
);
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
END;
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
END;
--> statement-breakpoint
CREATE TRIGGER application_search_after_delete AFTER DELETE ON applications
BEGIN
	DELETE FROM application_search
	WHERE rowid = (SELECT id FROM application_search_rows WHERE application_id = old.id);
	DELETE FROM application_search_rows WHERE application_id = old.id;
END;
--> statement-breakpoint
-- The CRM upserts customers on every offer-financing call: only a change of a searched field
-- rewrites the customer's rows (one per application, found through applications_customer_idx).
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
END;
--> statement-breakpoint
CREATE TRIGGER application_search_job_update AFTER UPDATE OF crm_job_id ON service_jobs
WHEN old.crm_job_id IS NOT new.crm_job_id
BEGIN
	DELETE FROM application_search WHERE rowid IN (
		SELECT r.id FROM applications a
		JOIN application_search_rows r ON r.application_id = a.id
		WHERE a.service_job_id = new.id
	);
	INSERT INTO application_search (rowid, application_id, name, email, phone, crm_ids)
	SELECT r.id, a.id, c.first_name || ' ' || c.last_name, coalesce(c.email, ''),
		replace(c.phone, '+', '') || ' ' || substr(replace(c.phone, '+', ''), -10) || ' ' || substr(c.phone, -7),
		c.crm_customer_id || ' ' || new.crm_job_id
	FROM applications a
	JOIN application_search_rows r ON r.application_id = a.id
	JOIN customers c ON c.id = a.customer_id
	WHERE a.service_job_id = new.id;
END;
--> statement-breakpoint
-- Backfill: every application that exists already.
INSERT INTO application_search_rows (application_id)
SELECT id FROM applications ORDER BY created_at, id;
--> statement-breakpoint
INSERT INTO application_search (rowid, application_id, name, email, phone, crm_ids)
SELECT r.id, a.id, c.first_name || ' ' || c.last_name, coalesce(c.email, ''),
	replace(c.phone, '+', '') || ' ' || substr(replace(c.phone, '+', ''), -10) || ' ' || substr(c.phone, -7),
	c.crm_customer_id || ' ' || coalesce(j.crm_job_id, '')
FROM applications a
JOIN application_search_rows r ON r.application_id = a.id
JOIN customers c ON c.id = a.customer_id
LEFT JOIN service_jobs j ON j.id = a.service_job_id;
