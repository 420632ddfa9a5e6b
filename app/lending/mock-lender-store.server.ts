import type { MockLenderRecord, MockLenderStore } from "~/adapters/lender/mock-lender";
import type { Database } from "~/db/client";

const upsert = "INSERT OR REPLACE INTO mock_lender_records (kind, key, body) VALUES (?, ?, ?)";

/**
 * The embedded mock lender's state in the database (mock_lender_records, ADR 025): every process
 * on one database serves the same loans, whichever of them created one. Writes go through the
 * process's write queue like every other write; reads take only the rows changed since the
 * process last looked (`seq`).
 */
export function databaseMockLenderStore(database: Database): MockLenderStore {
  return {
    async load(cursor) {
      const result = await database.client.execute({
        sql: "SELECT seq, kind, key, body FROM mock_lender_records WHERE seq > ? ORDER BY seq",
        args: [cursor],
      });
      const records = result.rows.map((row) => ({
        kind: row.kind as MockLenderRecord["kind"],
        key: String(row.key),
        body: String(row.body),
      }));
      const last = result.rows.at(-1);
      return { records, cursor: last ? Number(last.seq) : cursor };
    },
    async save(records) {
      await database.writeBatch(
        records.map((r) => ({ sql: upsert, args: [r.kind, r.key, r.body] })),
      );
    },
  };
}
