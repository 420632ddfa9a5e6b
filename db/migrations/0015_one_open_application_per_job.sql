ALTER TABLE `application_links` ADD `token_enc` text;--> statement-breakpoint
ALTER TABLE `applications` ADD `superseded_by_id` text;--> statement-breakpoint
CREATE INDEX `applications_job_idx` ON `applications` (`service_job_id`);--> statement-breakpoint
-- Applications opened twice for one CRM job before this migration (ADR 026): the newest open
-- one stays, the older open ones are canceled as superseded by it and their links revoked.
UPDATE `applications` SET `status` = 'canceled',
  `canceled_at` = CAST(unixepoch('subsec') * 1000 AS INTEGER),
  `updated_at` = CAST(unixepoch('subsec') * 1000 AS INTEGER),
  `superseded_by_id` = (SELECT `newest`.`id` FROM `applications` AS `newest`
    WHERE `newest`.`merchant_id` = `applications`.`merchant_id`
      AND `newest`.`service_job_id` = `applications`.`service_job_id`
      AND `newest`.`status` IN ('link_sent', 'in_progress', 'submitted', 'approved', 'manual_review')
    ORDER BY `newest`.`created_at` DESC, `newest`.`id` DESC LIMIT 1)
WHERE `status` IN ('link_sent', 'in_progress', 'submitted', 'approved', 'manual_review')
  AND EXISTS (SELECT 1 FROM `applications` AS `newer`
    WHERE `newer`.`merchant_id` = `applications`.`merchant_id`
      AND `newer`.`service_job_id` = `applications`.`service_job_id`
      AND `newer`.`status` IN ('link_sent', 'in_progress', 'submitted', 'approved', 'manual_review')
      AND (`newer`.`created_at` > `applications`.`created_at`
        OR (`newer`.`created_at` = `applications`.`created_at` AND `newer`.`id` > `applications`.`id`)));--> statement-breakpoint
UPDATE `application_links` SET `revoked_at` = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE `revoked_at` IS NULL AND `application_id` IN
  (SELECT `id` FROM `applications` WHERE `superseded_by_id` IS NOT NULL);--> statement-breakpoint
CREATE UNIQUE INDEX `applications_open_job_idx` ON `applications` (`merchant_id`,`service_job_id`) WHERE status IN ('link_sent', 'in_progress', 'submitted', 'approved', 'manual_review');