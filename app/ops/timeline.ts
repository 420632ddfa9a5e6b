/**
 * An application's timeline: events from several tables (audit log, messages, background jobs,
 * CRM calls, decisions, the application's own timestamps) merged into one list, oldest first.
 * Pure; the loading is in timeline.server.ts.
 */
export const timelineSources = [
  "application",
  "decision",
  "audit",
  "message",
  "job",
  "crm",
] as const;
export type TimelineSource = (typeof timelineSources)[number];

export type TimelineEvent = {
  /** ISO 8601. */
  at: string;
  source: TimelineSource;
  title: string;
  detail: string | null;
  /** "error" for failures (failed messages, dead jobs, CRM errors). */
  tone: "error" | null;
};

export const sourceLabels: Record<TimelineSource, string> = {
  application: "Application",
  decision: "Decision",
  audit: "Audit",
  message: "Message",
  job: "Job",
  crm: "CRM",
};

/**
 * One list, oldest first. Events at the same instant keep the order of `timelineSources` (an
 * application is created before its decision is audited), then their order within a source.
 */
export function mergeTimeline(...groups: readonly (readonly TimelineEvent[])[]): TimelineEvent[] {
  const order = new Map(timelineSources.map((s, i) => [s, i]));
  return groups
    .flat()
    .map((event, index) => ({ event, index }))
    .sort(
      (a, b) =>
        Date.parse(a.event.at) - Date.parse(b.event.at) ||
        order.get(a.event.source)! - order.get(b.event.source)! ||
        a.index - b.index,
    )
    .map(({ event }) => event);
}

/** "decision_ready" → "decision ready"; audit actions keep their dots. */
export const humanize = (code: string) => code.replace(/_/g, " ");

/**
 * A short, safe line from an audit record's details: scalar values only (audit details hold ids,
 * reasons and field names, never PII values — see audit.server.ts), at most `max` characters.
 */
export function auditDetailText(details: Record<string, unknown> | null, max = 240): string | null {
  if (!details) return null;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (value === null || value === undefined) continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      parts.push(`${key}: ${value}`);
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      parts.push(`${key}: ${value.join(", ")}`);
    }
  }
  const text = parts.join(" · ");
  if (!text) return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Error text from a job or a partner, shortened for a timeline line. */
export function shorten(text: string | null | undefined, max = 160): string | null {
  if (!text) return null;
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
