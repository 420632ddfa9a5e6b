import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { type applications, auditLogs, crmSyncLogs, decisions, messages } from "~/db/schema/index";
import { auditDetailText, humanize, mergeTimeline, shorten, type TimelineEvent } from "./timeline";

/** How many rows each source contributes at most (an application has a few dozen in practice). */
const perSourceLimit = 200;

/**
 * Loads an application's timeline: its audit records (and those of its manual reviews), its
 * messages (channel, template and status — never the body), the background jobs whose payload
 * names the application or one of its messages, its CRM calls and its decisions.
 */
export async function loadTimeline(
  database: Database,
  args: {
    application: typeof applications.$inferSelect;
    reviewIds: readonly string[];
    operatorNames: ReadonlyMap<string, string>;
  },
): Promise<TimelineEvent[]> {
  const db = database.reader.db;
  const { application } = args;
  const id = application.id;

  const [auditRows, messageRows, crmRows, decisionRows] = await Promise.all([
    db
      .select()
      .from(auditLogs)
      .where(
        or(
          and(eq(auditLogs.entityType, "application"), eq(auditLogs.entityId, id)),
          args.reviewIds.length > 0
            ? and(
                eq(auditLogs.entityType, "manual_review"),
                inArray(auditLogs.entityId, [...args.reviewIds]),
              )
            : undefined,
        ),
      )
      .orderBy(asc(auditLogs.id))
      .limit(perSourceLimit),
    db
      .select({
        id: messages.id,
        channel: messages.channel,
        template: messages.template,
        status: messages.status,
        errorCode: messages.errorCode,
        createdAt: messages.createdAt,
      })
      .from(messages)
      .where(eq(messages.applicationId, id))
      .orderBy(asc(messages.createdAt))
      .limit(perSourceLimit),
    db
      .select({
        crm: crmSyncLogs.crm,
        operation: crmSyncLogs.operation,
        outcome: crmSyncLogs.outcome,
        error: crmSyncLogs.error,
        durationMs: crmSyncLogs.durationMs,
        createdAt: crmSyncLogs.createdAt,
      })
      .from(crmSyncLogs)
      .where(eq(crmSyncLogs.applicationId, id))
      .orderBy(asc(crmSyncLogs.createdAt))
      .limit(perSourceLimit),
    db
      .select({
        id: decisions.id,
        status: decisions.status,
        decidedBy: decisions.decidedBy,
        decidedAt: decisions.decidedAt,
      })
      .from(decisions)
      .where(eq(decisions.applicationId, id))
      .orderBy(asc(decisions.decidedAt)),
  ]);

  // Jobs carry ids in their JSON payload: the application's own (decide-application, …) or a
  // message's (send-sms, send-email). Found through outbox_subject_idx (migration 0028): this
  // expression must stay the index's, character for character, or every payload is read again.
  const subjects = [id, ...messageRows.map((m) => m.id)];
  const jobRows = await db.all<{
    id: number;
    kind: string;
    state: string;
    attempts: number;
    last_error: string | null;
    created_at: number;
    completed_at: number | null;
  }>(
    sql`SELECT id, kind, state, attempts, last_error, created_at, completed_at FROM outbox
        WHERE (CASE WHEN json_valid(payload) THEN coalesce(json_extract(payload, '$.applicationId'), json_extract(payload, '$.messageId')) END)
          IN (${sql.join(
            subjects.map((subject) => sql`${subject}`),
            sql`, `,
          )})
        ORDER BY id LIMIT ${perSourceLimit}`,
  );

  const actor = (type: string, actorId: string | null) =>
    type === "operator" && actorId
      ? (args.operatorNames.get(actorId) ?? `operator ${actorId}`)
      : type === "system" && actorId
        ? actorId
        : type;

  const events: TimelineEvent[][] = [];
  const hasCreate = auditRows.some((row) => row.action === "application.create");
  events.push(
    [
      hasCreate ? null : { at: application.createdAt, title: "Application created", detail: null },
      application.submittedAt
        ? { at: application.submittedAt, title: "Submitted by the borrower", detail: null }
        : null,
    ]
      .filter((e): e is { at: Date; title: string; detail: null } => e !== null)
      .map((e) => ({ ...e, at: e.at.toISOString(), source: "application" as const, tone: null })),
  );
  events.push(
    auditRows.map((row) => ({
      at: row.at.toISOString(),
      source: "audit" as const,
      title: `${row.action} — ${actor(row.actorType, row.actorId)}`,
      detail: auditDetailText(row.details),
      tone: row.action === "access.denied" ? ("error" as const) : null,
    })),
  );
  events.push(
    messageRows.map((row) => ({
      at: row.createdAt.toISOString(),
      source: "message" as const,
      title: `${row.channel === "sms" ? "Text" : "E-mail"} “${humanize(row.template)}”: ${row.status}`,
      detail: row.errorCode ? `error ${row.errorCode}` : null,
      tone: ["failed", "undelivered"].includes(row.status) ? ("error" as const) : null,
    })),
  );
  events.push(
    jobRows.map((row) => ({
      at: new Date(Number(row.created_at)).toISOString(),
      source: "job" as const,
      title: `Job ${row.kind} #${row.id}: ${row.state}${Number(row.attempts) > 1 ? ` after ${row.attempts} attempts` : ""}`,
      detail: row.state === "completed" ? null : shorten(row.last_error),
      tone:
        row.state === "dead" || (row.state !== "completed" && row.last_error)
          ? ("error" as const)
          : null,
    })),
  );
  events.push(
    crmRows.map((row) => ({
      at: row.createdAt.toISOString(),
      source: "crm" as const,
      title: `${row.crm} ${humanize(row.operation)}: ${row.outcome}${row.durationMs !== null ? ` (${row.durationMs} ms)` : ""}`,
      detail: row.outcome === "error" ? shorten(row.error) : null,
      tone: row.outcome === "error" ? ("error" as const) : null,
    })),
  );
  events.push(
    decisionRows.map((row) => ({
      at: row.decidedAt.toISOString(),
      source: "decision" as const,
      title: `Decision ${humanize(row.status)} — ${
        row.decidedBy ? (args.operatorNames.get(row.decidedBy) ?? row.decidedBy) : "decision engine"
      }`,
      detail: row.id,
      tone: null,
    })),
  );
  return mergeTimeline(...events);
}
