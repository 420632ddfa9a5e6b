import type { Database } from "~/db/client";
import type { SqlValue } from "~/db/sql-tx";
import { compress, compressedMarkerHex, decodeBytes, decodeText } from "~/db/schema/compressed";

export type CompactionRun = {
  /** Rows rewritten in the compressed format, per table. */
  compacted: { decisions: number; documents: number };
  /** True when `shouldStop` ended the run early (the rest waits for the next round). */
  stopped: boolean;
};

export type CompactionOptions = {
  /** Rows one write rewrites (default 100): each batch is its own short transaction. */
  batchSize?: number;
  /** Checked between batches: the job runner is stopping. */
  shouldStop?: () => boolean;
};

type Column = {
  table: "decisions" | "documents";
  /** Rows still in the old format: the partial indexes of migration 0037 hold exactly these. */
  old: string;
  encode(stored: string | ArrayBuffer | Uint8Array): { value: Buffer; original: SqlValue };
};

const columns: Column[] = [
  {
    table: "decisions",
    old: "typeof(snapshot) = 'text'",
    encode: (stored) => {
      const text = decodeText(stored);
      return { value: compress(Buffer.from(text, "utf8"), "text"), original: text };
    },
  },
  {
    table: "documents",
    old: `substr(bytes, 1, 4) <> X'${compressedMarkerHex}'`,
    encode: (stored) => {
      const bytes = decodeBytes(stored as ArrayBuffer | Uint8Array);
      return { value: compress(bytes), original: new Uint8Array(bytes) };
    },
  },
];

/**
 * Rewrites decision snapshots and documents stored before compression (ADR 085) in the
 * compressed format, a batch at a time; the maintenance round runs it after retention.
 *
 * Crash-safe and idempotent: the rows to do are found by their format (an index of exactly the
 * old rows, empty once done, so a finished database costs one index probe per round); each row is
 * compressed outside the write and decoded again to check it gives the stored value back; each
 * batch is one transaction whose UPDATE re-checks that the row is still in the old format with
 * that very value. A crash leaves every row either old or new, both readable.
 * Decisions stay immutable: the trigger of migration 0037 lets an UPDATE change only a TEXT
 * snapshot into a compressed BLOB, nothing else.
 */
export async function compactStoredRows(
  database: Database,
  options: CompactionOptions = {},
): Promise<CompactionRun> {
  const batchSize = options.batchSize ?? 100;
  const compacted = { decisions: 0, documents: 0 };
  for (const column of columns) {
    const valueColumn = column.table === "decisions" ? "snapshot" : "bytes";
    for (;;) {
      if (options.shouldStop?.()) return { compacted, stopped: true };
      const rows = (
        await database.client.execute({
          sql: `SELECT id, ${valueColumn} AS value FROM ${column.table} WHERE ${column.old} LIMIT ?`,
          args: [batchSize],
        })
      ).rows;
      if (rows.length === 0) break;
      const statements = rows.map((row) => {
        const stored = row.value as string | ArrayBuffer;
        const { value, original } = column.encode(stored);
        // Never write what would not read back as the value it replaces.
        const back = column.table === "decisions" ? decodeText(value) : decodeBytes(value);
        const same =
          typeof original === "string"
            ? back === original
            : Buffer.compare(back as Buffer, Buffer.from(original as Uint8Array)) === 0;
        if (!same) throw new Error(`${column.table} ${String(row.id)}: compression round trip`);
        return {
          sql: `UPDATE ${column.table} SET ${valueColumn} = ?
                WHERE id = ? AND ${column.old} AND ${valueColumn} = ?`,
          args: [new Uint8Array(value), row.id as string, original] as SqlValue[],
        };
      });
      const results = await database.writeBatch(statements);
      compacted[column.table] += results.reduce((sum, r) => sum + (r.rowsAffected ?? 0), 0);
      // Rows that changed under us stay old; rather than spin on them, leave them to next round.
      if (results.every((r) => (r.rowsAffected ?? 0) === 0)) break;
      if (rows.length < batchSize) break;
    }
  }
  return { compacted, stopped: false };
}
