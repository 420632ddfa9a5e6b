import { dayLabel, dayMs, utcDay } from "./dashboard";

/**
 * The dashboard's range, funnel and funding-aging arithmetic (ADR 079), pure and tested without a
 * database: which UTC days a range covers, conversion between funnel steps, which age bucket a
 * signed-but-unfunded loan is in, and the applications-list links every tile drills down to.
 * Browser-safe (the list's filters import the bucket ids).
 */

// ---- range ------------------------------------------------------------------------------------

export const rangePresets = [7, 30, 90] as const;
export type RangePreset = (typeof rangePresets)[number];
/** A custom range is at most this many days: a year of daily rollups per figure. */
export const maxRangeDays = 366;

export type DashboardRange = {
  /** "7", "30", "90" or "custom" — what the form shows selected. */
  preset: `${RangePreset}` | "custom";
  /** First and last UTC day numbers, both included. */
  fromDay: number;
  toDay: number;
  /** YYYY-MM-DD of fromDay and toDay (the list's `from`/`to`, the form's custom fields). */
  from: string;
  to: string;
  days: number;
  label: string;
};

const isoOfDay = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);
const dayOfIso = (iso: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return null;
  const ms = Date.parse(`${iso}T00:00:00Z`);
  return Number.isNaN(ms) || isoOfDay(ms / dayMs) !== iso ? null : ms / dayMs;
};

function rangeOf(preset: DashboardRange["preset"], fromDay: number, toDay: number): DashboardRange {
  const days = toDay - fromDay + 1;
  return {
    preset,
    fromDay,
    toDay,
    from: isoOfDay(fromDay),
    to: isoOfDay(toDay),
    days,
    label:
      preset === "custom"
        ? `${dayLabel(fromDay)} – ${dayLabel(toDay)} ${new Date(toDay * dayMs).getUTCFullYear()}`
        : `last ${days} days`,
  };
}

/**
 * The range from the dashboard's query string: `range=7|30|90` (the last N UTC days, today
 * included — the default is 30), or `range=custom&from=YYYY-MM-DD&to=YYYY-MM-DD` (both included).
 * A custom range that is malformed, reversed, in the future or longer than a year falls back to
 * the default with an error the page shows — a bad bookmark still opens the dashboard.
 */
export function parseRange(
  params: URLSearchParams,
  now: number,
): { range: DashboardRange; error: string | null } {
  const today = utcDay(now);
  const preset = params.get("range") ?? "";
  const fallback = rangeOf("30", today - 29, today);
  const from = (params.get("from") ?? "").trim();
  const to = (params.get("to") ?? "").trim();
  if (preset === "custom" || (!preset && (from || to))) {
    const fromDay = dayOfIso(from);
    const toDay = to ? dayOfIso(to) : today;
    if (fromDay === null || toDay === null)
      return {
        range: fallback,
        error: "A custom range needs a start and an end date (YYYY-MM-DD).",
      };
    if (fromDay > toDay)
      return { range: fallback, error: "The range’s start date is after its end date." };
    if (toDay > today) return { range: fallback, error: "The range cannot end after today." };
    if (toDay - fromDay + 1 > maxRangeDays)
      return { range: fallback, error: `A range is at most ${maxRangeDays} days.` };
    return { range: rangeOf("custom", fromDay, toDay), error: null };
  }
  const days = Number(preset);
  if ((rangePresets as readonly number[]).includes(days))
    return {
      range: rangeOf(`${days}` as DashboardRange["preset"], today - days + 1, today),
      error: null,
    };
  return { range: fallback, error: preset ? "Unknown range; showing the last 30 days." : null };
}

/** The dashboard's own query string for a range (presets without dates). */
export function rangeSearch(range: DashboardRange): string {
  return range.preset === "custom"
    ? `?range=custom&from=${range.from}&to=${range.to}`
    : `?range=${range.preset}`;
}

// ---- funnel -----------------------------------------------------------------------------------

/** The funnel's steps in order; the index is applications.funnel_stage (migration 0036). */
export const funnelSteps = ["sent", "opened", "submitted", "decided", "signed", "funded"] as const;
export type FunnelStep = (typeof funnelSteps)[number];

export const funnelStepLabels: Record<FunnelStep, string> = {
  sent: "Links sent",
  opened: "Opened",
  submitted: "Submitted",
  decided: "Decided",
  signed: "Signed",
  funded: "Funded",
};

export type FunnelRow = {
  step: FunnelStep;
  label: string;
  count: number;
  /** This step ÷ the step before (null for the first step or when the one before is 0). */
  fromPrevious: number | null;
  /** This step ÷ links sent. */
  fromSent: number | null;
};

/**
 * The funnel of applications whose link was sent in the range (a cohort: each counts at every
 * step it reached, whenever it reached it), with conversion from the step before and from the
 * start. Counts are made monotonic defensively (a later step can never exceed an earlier one).
 */
export function funnelRows(counts: Partial<Record<string, number>>): FunnelRow[] {
  const rows: FunnelRow[] = [];
  let previous: number | null = null;
  let sent = 0;
  for (const step of funnelSteps) {
    const raw = Math.max(0, counts[step] ?? 0);
    const count: number = previous === null ? raw : Math.min(raw, previous);
    if (step === "sent") sent = count;
    rows.push({
      step,
      label: funnelStepLabels[step],
      count,
      fromPrevious: previous === null || previous === 0 ? null : count / previous,
      fromSent: step === "sent" || sent === 0 ? null : count / sent,
    });
    previous = count;
  }
  return rows;
}

// ---- funding aging ----------------------------------------------------------------------------

/** Signed but not funded, by how long ago the borrower signed (lower bound in days, inclusive). */
export const agingBuckets = [
  { id: "d0", label: "Under 1 day", fromDays: 0, toDays: 1 },
  { id: "d1", label: "1–3 days", fromDays: 1, toDays: 3 },
  { id: "d3", label: "3–7 days", fromDays: 3, toDays: 7 },
  { id: "d7", label: "1–2 weeks", fromDays: 7, toDays: 14 },
  { id: "d14", label: "Over 2 weeks", fromDays: 14, toDays: null },
] as const;
export type AgingBucketId = (typeof agingBuckets)[number]["id"];
export const agingBucketIds = agingBuckets.map((b) => b.id) as AgingBucketId[];

/** The bucket of a signature `ageMs` old (a clock a little behind counts as just signed). */
export function agingBucketOf(ageMs: number): AgingBucketId {
  const days = Math.max(0, ageMs) / dayMs;
  for (let i = agingBuckets.length - 1; i >= 0; i--) {
    if (days >= agingBuckets[i]!.fromDays) return agingBuckets[i]!.id;
  }
  return "d0";
}

/**
 * The signed-at bounds (ms) of a bucket at `now`: signed in (after, atOrBefore]. `after` is null
 * for the oldest bucket. The list's filter and the dashboard's counts use the same bounds.
 */
export function agingBounds(
  id: AgingBucketId,
  now: number,
): { after: number | null; atOrBefore: number } {
  const bucket = agingBuckets.find((b) => b.id === id)!;
  return {
    atOrBefore: now - bucket.fromDays * dayMs,
    after: bucket.toDays === null ? null : now - bucket.toDays * dayMs,
  };
}

// ---- drill-down links -------------------------------------------------------------------------

/** The FlowOps applications list filtered as a tile's figure counts (app/ops/applications.ts). */
export function applicationsLink(filter: {
  range?: DashboardRange;
  stage?: Exclude<FunnelStep, "sent">;
  status?: string;
  merchantId?: string;
  aging?: AgingBucketId | "any";
}): string {
  const params = new URLSearchParams();
  if (filter.stage) params.set("stage", filter.stage);
  if (filter.status) params.set("status", filter.status);
  if (filter.merchantId) params.set("merchant", filter.merchantId);
  if (filter.aging) params.set("aging", filter.aging);
  if (filter.range) {
    params.set("from", filter.range.from);
    params.set("to", filter.range.to);
  }
  const text = params.toString();
  return `/ops/applications${text ? `?${text}` : ""}`;
}
