import type { Database } from "~/db/client";
import type { RetentionRule } from "./policy";

export type RetentionRun = {
  /** Rows deleted (or, for update rules, cleared) per rule name. */
  pruned: Record<string, number>;
  /** True when `shouldStop` ended the run early (the rest waits for the next round). */
  stopped: boolean;
};

export type RetentionOptions = {
  now?: number;
  /** Most rows one write changes (default 500): each batch is its own short transaction. */
  batchSize?: number;
  /** Rows read per step of the walk (default 2000), off the writer. */
  scanSize?: number;
  /** Checked between batches: the job runner is stopping. */
  shouldStop?: () => boolean;
};

/**
 * How a rule finds its due rows (policy.ts): a probe of its partial index — the due rows
 * themselves, at most `limit` — or one chunk of the rowid walk (rowid, due, stopWhen column).
 * Exported for the query-plan test: the first maintenance round runs at start-up (ADR 090).
 */
export function retentionRead(rule: RetentionRule): string {
  if (rule.index) {
    return `SELECT rowid AS r FROM ${rule.table} INDEXED BY ${rule.index}
      WHERE ${rule.due} LIMIT ?`;
  }
  return `SELECT rowid AS r, (${rule.due}) AS due${rule.stopWhen ? `, ${rule.stopWhen} AS t` : ""}
      FROM ${rule.table} WHERE rowid > ? ORDER BY rowid LIMIT ?`;
}

/**
 * The libSQL client runs an embedded file's statements on this thread, and a chain of awaits on
 * them never lets a timer or a socket in: a walk of many chunks held the whole process — /ready
 * included — until it ended (ADR 090). One turn of the event loop between reads.
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Applies the retention rules (policy.ts): each table is walked in rowid order a chunk at a time
 * (a read, which in WAL mode never waits for or blocks the writer) — or, for a rule with an
 * `index`, its partial index is probed — and the due rows are deleted — or updated — by rowid in
 * batches, each batch one write through the process's write queue (on an embedded file, in the
 * writer thread). A batch re-checks the rule in its own statement, so a row that changed since it
 * was read is left alone. No write holds the writer for more than one small batch, other writes
 * queue between batches, and the event loop turns between reads.
 */
export async function applyRetention(
  database: Database,
  rules: RetentionRule[],
  options: RetentionOptions = {},
): Promise<RetentionRun> {
  const now = options.now ?? Date.now();
  const batchSize = options.batchSize ?? 500;
  const scanSize = options.scanSize ?? 2000;
  const pruned: Record<string, number> = {};
  for (const rule of rules) {
    if (options.shouldStop?.()) return { pruned, stopped: true };
    const cutoff = now - rule.retainMs;
    const cutoffArgs = () => Array.from(rule.due.matchAll(/\?/g), () => cutoff);
    const write = rule.update
      ? `UPDATE ${rule.table} SET ${rule.update}
          WHERE rowid IN (SELECT value FROM json_each(?)) AND (${rule.due})`
      : `DELETE FROM ${rule.table}
          WHERE rowid IN (SELECT value FROM json_each(?)) AND (${rule.due})`;
    const read = retentionRead(rule);
    let total = 0;
    let after = 0;
    const due: number[] = [];
    const flush = async () => {
      while (due.length > 0) {
        const batch = due.splice(0, batchSize);
        const [result] = await database.writeBatch([
          { sql: write, args: [JSON.stringify(batch), ...cutoffArgs()] },
        ]);
        total += result?.rowsAffected ?? 0;
        if (options.shouldStop?.()) return false;
      }
      return true;
    };
    while (rule.index) {
      if (options.shouldStop?.()) {
        pruned[rule.name] = total;
        return { pruned, stopped: true };
      }
      await yieldToEventLoop();
      const rows = (
        await database.client.execute({ sql: read, args: [...cutoffArgs(), batchSize] })
      ).rows;
      for (const row of rows) due.push(Number(row.r));
      const before = total;
      if (!(await flush())) {
        pruned[rule.name] = total;
        return { pruned, stopped: true };
      }
      // A short probe was the last. A batch that changed nothing would be read again by the next
      // probe (the read and the write disagree): stop rather than loop.
      if (rows.length < batchSize || total === before) break;
    }
    while (!rule.index) {
      // A stopping runner waits for this round: it ends between reads too, not only batches.
      if (options.shouldStop?.()) {
        pruned[rule.name] = total;
        return { pruned, stopped: true };
      }
      await yieldToEventLoop();
      const rows = (
        await database.client.execute({ sql: read, args: [...cutoffArgs(), after, scanSize] })
      ).rows;
      for (const row of rows) if (Number(row.due) === 1) due.push(Number(row.r));
      if (due.length >= batchSize && !(await flush())) {
        pruned[rule.name] = total;
        return { pruned, stopped: true };
      }
      const last = rows.at(-1);
      if (!last || rows.length < scanSize) break;
      if (rule.stopWhen && Number(last.t) >= cutoff) break;
      after = Number(last.r);
    }
    if (!(await flush())) {
      pruned[rule.name] = total;
      return { pruned, stopped: true };
    }
    pruned[rule.name] = total;
  }
  return { pruned, stopped: false };
}
