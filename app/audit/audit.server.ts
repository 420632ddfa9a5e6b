import type { Step } from "~/db/native-writer.mjs";
import { insertSql, runSteps, type AnyTx } from "~/db/sql-tx";
import { getEnv } from "~/app/config/env.server";
import { getRequestContext } from "~/app/observability/request-context.server";

export type AuditEntry = {
  actorType: "operator" | "api_key" | "borrower" | "system" | "cli" | "merchant_user";
  actorId?: string | null;
  action: string;
  entityType?: string;
  entityId?: string;
  ip?: string | null;
  userAgent?: string | null;
  /** Never PII: ids, reasons, field names — not values. */
  details?: Record<string, unknown>;
};

const insertAudit = insertSql("audit_logs", [
  "at",
  "actor_type",
  "actor_id",
  "action",
  "entity_type",
  "entity_id",
  "ip",
  "user_agent",
  "request_id",
  "details",
]);

/** The audit record as a write-program step (ADR 019). */
export function auditStep(entry: AuditEntry): Step {
  return {
    sql: insertAudit,
    args: [
      Date.now(),
      entry.actorType,
      entry.actorId ?? null,
      entry.action,
      entry.entityType ?? null,
      entry.entityId ?? null,
      entry.ip ?? null,
      entry.userAgent ?? null,
      getRequestContext()?.requestId ?? null,
      entry.details === undefined || entry.details === null ? null : JSON.stringify(entry.details),
    ],
  };
}

/**
 * Appends an audit record inside the caller's transaction, so the action and its record
 * commit together. The table rejects UPDATE and DELETE (migration 0001).
 */
export async function audit(tx: AnyTx, entry: AuditEntry) {
  await runSteps(tx, [auditStep(entry)]);
}

/**
 * Client address and agent of a request, for audit and consent records. X-Forwarded-For is
 * believed only with TRUST_PROXY=true (behind a proxy that sets it); otherwise anyone could
 * write any address into our evidence.
 */
export function clientInfo(request: Request) {
  const forwarded = getEnv().TRUST_PROXY
    ? request.headers.get("x-forwarded-for")?.split(",")[0]?.trim()
    : undefined;
  return {
    ip: forwarded || getRequestContext()?.remoteAddress || null,
    userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
  };
}
