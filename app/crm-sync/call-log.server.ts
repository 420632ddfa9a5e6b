/**
 * crm_sync_logs: one row per CRM call (operation, redacted request/response, duration, outcome),
 * written from the adapter's `onCall`. One adapter instance serves every sync of an office (its
 * circuit breaker must), so which merchant and application a call belongs to travels in an
 * AsyncLocalStorage scope opened around the work. Each row is its own short write through the
 * queue — never inside another transaction (no CRM call ever runs inside one) — and the scope
 * waits for its rows before it returns, so a finished sync has its log.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Database } from "~/db/client";
import { getTableName } from "drizzle-orm";
import { newId } from "~/db/ids";
import { insertSql } from "~/db/sql-tx";
import { crmSyncLogs } from "~/db/schema/index";
import type { CrmCallListener, CrmCallLog } from "~/adapters/fieldroutes/index";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { logger } from "~/app/observability/logger.server";

export type CallScope = {
  database: Database;
  merchantId: string | null;
  applicationId: string | null;
  crm: string;
};

type OpenScope = CallScope & { pending: Promise<unknown>[] };

const scopes = new AsyncLocalStorage<OpenScope>();

const insertLog = insertSql(getTableName(crmSyncLogs), [
  "id",
  "merchant_id",
  "application_id",
  "crm",
  "operation",
  "request",
  "response",
  "outcome",
  "error",
  "duration_ms",
  "created_at",
]);

/** What drizzle stores in a JSON column: the text, or NULL. */
const jsonColumn = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);

/**
 * Writes one log row for the current scope. `partner` labels a failed call in
 * partner_call_errors_total; null for a write we chose not to attempt (no partner call failed).
 */
export function logCrmCall(log: CrmCallLog, partner: string | null = "fieldroutes"): void {
  const scope = scopes.getStore();
  if (log.outcome === "error" && partner) businessMetrics.partnerCallErrors.inc({ partner });
  if (!scope) {
    logger.warn({ operation: log.operation, outcome: log.outcome }, "CRM call outside a log scope");
    return;
  }
  // A write program (ADR 019): committed by the writer thread with whatever else is queued, not
  // as a transaction of its own with an fsync on the server's thread (ADR 048).
  const write = scope.database
    .writeProgram({
      steps: [
        {
          sql: insertLog,
          args: [
            newId("csl"),
            scope.merchantId,
            scope.applicationId,
            scope.crm,
            log.operation,
            jsonColumn(log.request),
            jsonColumn(log.response),
            log.outcome,
            log.error ?? null,
            log.durationMs,
            Date.now(),
          ],
        },
      ],
    })
    .catch((error: unknown) => logger.warn({ err: error }, "could not write crm_sync_logs"));
  scope.pending.push(write);
}

/** The `onCall` every CRM adapter instance is built with. */
export const crmCallListener: CrmCallListener = (log) => {
  const sandbox = Boolean((log.request as { sandbox?: unknown } | null)?.sandbox);
  logCrmCall(log, sandbox ? "fieldroutes-sandbox" : "fieldroutes");
};

/** Runs `work` with its CRM calls logged against `scope`; returns once their rows are written. */
export async function withCrmCallLog<T>(scope: CallScope, work: () => Promise<T>): Promise<T> {
  const open: OpenScope = { ...scope, pending: [] };
  try {
    return await scopes.run(open, work);
  } finally {
    await Promise.all(open.pending);
  }
}
