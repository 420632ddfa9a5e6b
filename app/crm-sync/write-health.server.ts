import { sql } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { summarizeHealth, type OperationHealth, type WriteHealth } from "./write-health";

type Reader = Database["db"] | Tx;
type Row = {
  crm: string;
  operation: string;
  failures: number;
  last_error: string | null;
  last_failure_at: number | null;
  last_success_at: number | null;
};

/**
 * One merchant's CRM write-back health by CRM (ADR 080): its crm_write_health rows (a handful:
 * one per CRM and operation), and the failures of the last 24 hours through the partial index of
 * errors (crm_sync_logs_errors_idx: a day of errors, never the successful calls).
 */
export async function loadWriteHealth(
  reader: Reader,
  merchantId: string,
  now = Date.now(),
): Promise<WriteHealth[]> {
  const [rows, recent] = await Promise.all([
    reader.all<Row>(
      sql`SELECT crm, operation, failures_since_success AS failures, last_error, last_failure_at,
            last_success_at
          FROM crm_write_health WHERE merchant_id = ${merchantId}`,
    ),
    reader.all<{ crm: string; n: number }>(
      sql`SELECT crm, count(*) AS n FROM crm_sync_logs INDEXED BY crm_sync_logs_errors_idx
          WHERE outcome = 'error' AND created_at >= ${now - 86_400_000}
            AND merchant_id = ${merchantId}
          GROUP BY crm`,
    ),
  ]);
  const byCrm = new Map<string, OperationHealth[]>();
  for (const row of rows) {
    const list = byCrm.get(row.crm) ?? [];
    list.push({
      operation: row.operation,
      failuresSinceSuccess: Number(row.failures),
      lastError: row.last_error,
      lastFailureAt: row.last_failure_at === null ? null : Number(row.last_failure_at),
      lastSuccessAt: row.last_success_at === null ? null : Number(row.last_success_at),
    });
    byCrm.set(row.crm, list);
  }
  const recentBy = new Map(recent.map((r) => [r.crm, Number(r.n)]));
  for (const crm of recentBy.keys()) if (!byCrm.has(crm)) byCrm.set(crm, []);
  return [...byCrm].map(([crm, ops]) => summarizeHealth(crm, ops, recentBy.get(crm) ?? 0));
}
