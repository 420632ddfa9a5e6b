import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The embedded mock lender's state (adapters/lender/mock-lender.ts, ADR 025): its loans,
 * Idempotency-Key records and webhook events, one row each, as the JSON the mock keeps in
 * memory. In the database rather than a file of each process's own, so that every process
 * serving the mock lender on this database sees every loan (issue 13: a loan created through one
 * process and disbursed through another was "404 No loan"). Sandbox data only.
 *
 * `seq` grows on every write (INSERT OR REPLACE gives the row a new one; AUTOINCREMENT never
 * reuses a number), so a process reads only what changed since it last looked.
 */
export const mockLenderRecords = sqliteTable(
  "mock_lender_records",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    /** loan | idempotency | event */
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    body: text("body").notNull(),
  },
  (t) => [uniqueIndex("mock_lender_records_kind_key_idx").on(t.kind, t.key)],
);
