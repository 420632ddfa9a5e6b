import type { Tx } from "../../db/client";
import { auditLogs } from "../../db/schema/index";
import { getEnv } from "~/config/env.server";
import { getRequestContext } from "~/observability/request-context.server";

export type AuditEntry = {
  actorType: "operator" | "api_key" | "borrower" | "system" | "cli";
  actorId?: string | null;
  action: string;
  entityType?: string;
  entityId?: string;
  ip?: string | null;
  userAgent?: string | null;
  /** Never PII: ids, reasons, field names — not values. */
  details?: Record<string, unknown>;
};

/**
 * Appends an audit record inside the caller's transaction, so the action and its record
 * commit together. The table rejects UPDATE and DELETE (migration 0001).
 */
export async function audit(tx: Tx, entry: AuditEntry) {
  await tx.insert(auditLogs).values({
    at: new Date(),
    actorType: entry.actorType,
    actorId: entry.actorId ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
    requestId: getRequestContext()?.requestId ?? null,
    details: entry.details ?? null,
  });
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
