-- Custom SQL migration file, put your migrations below this line! --
-- An application's timeline lists the jobs that name it or one of its messages (payload
-- `applicationId` / `messageId`, jobs/handlers/*.definition.ts). Found by this expression, not
-- by reading every outbox row's payload (ADR 072). json_valid() keeps a payload that is not
-- JSON from failing the write: such a row has no subject.
CREATE INDEX `outbox_subject_idx` ON `outbox` (
  (CASE WHEN json_valid(payload) THEN coalesce(json_extract(payload, '$.applicationId'), json_extract(payload, '$.messageId')) END)
);
