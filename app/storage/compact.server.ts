import type { Database } from "~/db/client";
import type { SqlValue } from "~/db/sql-tx";
import { compress, decodeBytes, decodeText, encodeJsonText } from "~/db/schema/compressed";
import { compactDocuments } from "./documents.server";

type Table = "decisions" | "offers" | "loans" | "documents";

export type CompactionRun = {
  /** Rows rewritten in the compressed format, per table. */
  compacted: Record<Table, number>;
  /** True when `shouldStop` ended the run early (the rest waits for the next round). */
  stopped: boolean;
};

export type CompactionOptions = {
  /** Rows one write rewrites (default 100): each batch is its own short transaction. */
  batchSize?: number;
  /** Checked between batches: the job runner is stopping. */
  shouldStop?: () => boolean;
};

/**
 * The compressed columns (db/schema/compressed.ts) and how to find a row written before
 * compression: exactly what the partial indexes of migrations 0037 and 0040 hold, so a finished
 * database costs one index probe per table and round.
 */
export const compactionTargets: {
  table: Table;
  columns: { name: string; kind: "json" | "bytes" }[];
  old: string;
}[] = [
  {
    table: "decisions",
    columns: [{ name: "snapshot", kind: "json" }],
    old: "typeof(snapshot) = 'text'",
  },
  {
    table: "offers",
    columns: [
      { name: "schedule", kind: "json" },
      { name: "disclosure", kind: "json" },
    ],
    old: "typeof(schedule) = 'text'",
  },
  {
    table: "loans",
    columns: [{ name: "payment_schedule", kind: "json" }],
    old: "typeof(payment_schedule) = 'text'",
  },
];

/**
 * The compressed form of one stored value, checked: it must decode to the very value it replaces
 * (never write what would not read back as the original). NULL stays NULL.
 */
function reencode(stored: SqlValue | ArrayBuffer, kind: "json" | "bytes"): Uint8Array | null {
  if (stored === null) return null;
  if (kind === "json") {
    if (typeof stored !== "string") return new Uint8Array(stored as ArrayBuffer); // already done
    // The format new rows are written in (ADR 088; migration 0048's triggers accept it).
    const value = encodeJsonText(stored);
    if (decodeText(value) !== stored) throw new Error("compression round trip");
    return new Uint8Array(value);
  }
  const original = decodeBytes(stored as ArrayBuffer);
  const value = compress(original);
  if (!decodeBytes(value).equals(original)) throw new Error("compression round trip");
  return new Uint8Array(value);
}

/**
 * Rewrites the rows stored before compression (ADR 085) in the compressed format, a batch at a
 * time; the job runner's maintenance round runs it after retention (jobs/start.server.ts).
 *
 * Crash-safe and idempotent: a row to do is found by its format; it is compressed outside the
 * write and checked to decode to what it replaces; each batch is one transaction whose UPDATE
 * re-checks that the row is still in the old format with those very values. A crash leaves each
 * row either old or new, both readable. Decisions and offer terms stay immutable: their triggers
 * (migrations 0037, 0040) let an UPDATE only turn TEXT into its compressed BLOB, nothing else.
 */
export async function compactStoredRows(
  database: Database,
  options: CompactionOptions = {},
): Promise<CompactionRun> {
  const batchSize = options.batchSize ?? 100;
  const compacted: Record<Table, number> = { decisions: 0, offers: 0, loans: 0, documents: 0 };
  for (const target of compactionTargets) {
    const { table, columns } = target;
    const names = columns.map((c) => c.name);
    for (;;) {
      if (options.shouldStop?.()) return { compacted, stopped: true };
      const rows = (await database.client.execute({ sql: oldRowsSql(target), args: [batchSize] }))
        .rows;
      if (rows.length === 0) break;
      const statements = rows.map((row) => {
        const originals = names.map((name) => row[name] as SqlValue);
        const values = columns.map((c, i) => reencode(originals[i]!, c.kind));
        return {
          sql: `UPDATE ${table} SET ${names.map((n) => `${n} = ?`).join(", ")}
                WHERE id = ? AND ${target.old} AND ${names.map((n) => `${n} IS ?`).join(" AND ")}`,
          args: [...values, row.id as string, ...originals.map(asArg)],
        };
      });
      const results = await database.writeBatch(statements);
      const changed = results.reduce((sum, r) => sum + (r.rowsAffected ?? 0), 0);
      compacted[table] += changed;
      // Rows that changed under us stay as they are; rather than spin on them, leave them be.
      if (changed === 0 || rows.length < batchSize) break;
    }
  }
  // Documents are rewritten against the shared dictionary instead (ADR 087).
  const documentRun = await compactDocuments(database, options);
  compacted.documents = documentRun.compacted;
  return { compacted, stopped: documentRun.stopped };
}

/** The next rows of a table still in the old format (a probe of its partial index). */
export function oldRowsSql(target: (typeof compactionTargets)[number]) {
  const names = target.columns.map((c) => c.name);
  return `SELECT id, ${names.join(", ")} FROM ${target.table} WHERE ${target.old} LIMIT ?`;
}

/** A value read back as an argument: the driver's ArrayBuffer as bytes. */
function asArg(value: SqlValue | ArrayBuffer): SqlValue {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
}
