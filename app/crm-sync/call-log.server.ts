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
import { newId } from "~/db/ids";
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
  const write = scope.database
    .write((tx) =>
      tx.insert(crmSyncLogs).values({
        id: newId("csl"),
        merchantId: scope.merchantId,
        applicationId: scope.applicationId,
        crm: scope.crm,
        operation: log.operation,
        request: log.request ?? null,
        response: log.response ?? null,
        outcome: log.outcome,
        error: log.error ?? null,
        durationMs: log.durationMs,
        createdAt: new Date(),
      }),
    )
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
