import { and, asc, desc, eq, gt, gte, inArray, like, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "~/db/client";
import { auditLogs, operators } from "~/db/schema/index";

/**
 * The audit log screen's query: filters, newest first, keyset pagination on the id (ids grow
 * with insertion, so id order is time order; no OFFSET scans). Read-only — nothing here or
 * anywhere else changes audit_logs, and its triggers refuse UPDATE and DELETE anyway.
 */
export const auditPageSize = 50;

const day = /^\d{4}-\d{2}-\d{2}$/;
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => v || undefined);
const optionalDay = z
  .string()
  .trim()
  .optional()
  .transform((v) => v || undefined)
  .refine((v) => v === undefined || (day.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))), {
    message: "Dates look like 2026-11-28",
  });
const cursor = z
  .string()
  .optional()
  .transform((v) => (v && /^\d{1,15}$/.test(v) ? Number(v) : undefined));

export const auditFiltersSchema = z.object({
  actor: optionalText(254),
  action: optionalText(100),
  entityType: optionalText(100),
  entityId: optionalText(200),
  from: optionalDay,
  to: optionalDay,
  before: cursor,
  after: cursor,
});

export type AuditFilters = z.infer<typeof auditFiltersSchema>;

/** The filters from a URL's search params; an invalid value is reported (and nothing searched). */
export function parseAuditFilters(params: URLSearchParams) {
  const raw = Object.fromEntries(
    [...auditFiltersSchema.keyof().options].map((key) => [key, params.get(key) ?? undefined]),
  );
  const parsed = auditFiltersSchema.safeParse(raw);
  if (parsed.success) return { filters: parsed.data, error: null };
  return { filters: null, error: parsed.error.issues[0]!.message };
}

function escapeLike(value: string) {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const dayMs = 24 * 60 * 60 * 1000;

export type AuditRow = {
  id: number;
  at: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
};

export async function searchAuditLogs(
  database: Database,
  filters: AuditFilters,
  limit = auditPageSize,
): Promise<{ rows: AuditRow[]; older: number | null; newer: number | null }> {
  const { db } = database.reader;
  const conditions: SQL[] = [];
  if (filters.actor) {
    // An e-mail names an operator; anything else is an actor id as stored.
    let actorId = filters.actor;
    if (filters.actor.includes("@")) {
      const operator = await db.query.operators.findFirst({
        where: eq(operators.email, filters.actor.toLowerCase()),
        columns: { id: true },
      });
      actorId = operator?.id ?? "\u0000no such operator";
    }
    conditions.push(eq(auditLogs.actorId, actorId));
  }
  if (filters.action) {
    conditions.push(like(auditLogs.action, `${escapeLike(filters.action)}%`));
  }
  if (filters.entityType) conditions.push(eq(auditLogs.entityType, filters.entityType));
  if (filters.entityId) conditions.push(eq(auditLogs.entityId, filters.entityId));
  if (filters.from) conditions.push(gte(auditLogs.at, new Date(`${filters.from}T00:00:00Z`)));
  if (filters.to) {
    conditions.push(lt(auditLogs.at, new Date(Date.parse(`${filters.to}T00:00:00Z`) + dayMs)));
  }

  // Newest first; `before` pages to older rows, `after` back to newer ones.
  const goingBack = filters.after !== undefined && filters.before === undefined;
  const keyset = goingBack
    ? gt(auditLogs.id, filters.after!)
    : filters.before !== undefined
      ? lt(auditLogs.id, filters.before)
      : undefined;
  const page = await db
    .select()
    .from(auditLogs)
    .where(and(...conditions, keyset))
    .orderBy(goingBack ? asc(auditLogs.id) : desc(auditLogs.id))
    .limit(limit + 1);
  const more = page.length > limit;
  const rows = page.slice(0, limit);
  if (goingBack) rows.reverse();

  const operatorIds = [
    ...new Set(rows.filter((r) => r.actorType === "operator" && r.actorId).map((r) => r.actorId!)),
  ];
  const names = operatorIds.length
    ? await db
        .select({ id: operators.id, email: operators.email })
        .from(operators)
        .where(inArray(operators.id, operatorIds))
    : [];
  const labels = new Map(names.map((n) => [n.id, n.email]));

  const first = rows[0]?.id;
  const last = rows[rows.length - 1]?.id;
  const hasOlder = goingBack ? rows.length > 0 : more;
  const hasNewer = goingBack ? more : filters.before !== undefined && rows.length > 0;
  return {
    rows: rows.map((r) => ({
      ...r,
      actorLabel: r.actorId ? (labels.get(r.actorId) ?? null) : null,
      details: redactDetails(r.details),
    })),
    older: hasOlder && last !== undefined ? last : null,
    newer: hasNewer && first !== undefined ? first : null,
  };
}

/**
 * Details never hold PII by convention (audit.server.ts); as a second line of defence, values
 * under keys that name personal data are not shown.
 */
const piiKey =
  /ssn|social|birth|dob|phone|address|e-?mail|first_?name|last_?name|account_?number|password|secret|token/i;

export function redactDetails(
  details: Record<string, unknown> | null,
): Record<string, unknown> | null {
  if (!details || typeof details !== "object") return details;
  const walk = (value: unknown, depth: number): unknown => {
    if (depth > 5 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        piiKey.test(k) ? "[redacted]" : walk(v, depth + 1),
      ]),
    );
  };
  return walk(details, 0) as Record<string, unknown>;
}

/** "2026-11-28 14:05:09 UTC": rendered on the server, the same for every viewer. */
export function utcText(date: Date | null) {
  return date ? `${date.toISOString().slice(0, 19).replace("T", " ")} UTC` : null;
}
