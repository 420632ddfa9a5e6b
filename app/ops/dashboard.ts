import type { ChartDatum } from "./charts";

/**
 * The dashboard's arithmetic, separated from its queries so it can be tested without a database:
 * day buckets, percentiles, rates and how durations read.
 */
export const dayMs = 24 * 60 * 60 * 1000;

/** The UTC day number (days since the epoch) of a time. */
export const utcDay = (ms: number) => Math.floor(ms / dayMs);

const monthNames = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
] as const;

/** "Nov 27" for a UTC day number. */
export function dayLabel(day: number): string {
  const date = new Date(day * dayMs);
  return `${monthNames[date.getUTCMonth()]} ${date.getUTCDate()}`;
}

/**
 * One bar per UTC day from `lastDay - days + 1` to `lastDay`, zero where the query returned no
 * row (days without applications have no GROUP BY row).
 */
export function fillDays(
  rows: readonly { day: number; count: number }[],
  lastDay: number,
  days: number,
): ChartDatum[] {
  const byDay = new Map(rows.map((row) => [row.day, row.count]));
  const out: ChartDatum[] = [];
  for (let day = lastDay - days + 1; day <= lastDay; day++) {
    out.push({ label: dayLabel(day), value: byDay.get(day) ?? 0 });
  }
  return out;
}

/**
 * The p-th percentile (0 < p ≤ 100) by the nearest-rank method: the smallest value with at least
 * p % of the values at or below it — always one of the observed values. Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError("percentile: p must be in (0, 100]");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

/** Approved ÷ (approved + declined); an application still in review is not decided yet. */
export function approvalRate(counts: { approved: number; declined: number }): number | null {
  const decided = counts.approved + counts.declined;
  return decided === 0 ? null : counts.approved / decided;
}

/** "68%" (whole percent; "—" when there is nothing to divide). */
export function formatPercent(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 100)}%`;
}

/** A duration the way people say it: "850 ms", "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

export const decisionStatusLabels = {
  approved: "Approved",
  declined: "Declined",
  manual_review: "In manual review",
} as const;

/** The decisions-by-status series, in a fixed order (every status present, zero when none). */
export function decisionSeries(counts: Partial<Record<string, number>>): ChartDatum[] {
  return (Object.keys(decisionStatusLabels) as (keyof typeof decisionStatusLabels)[]).map(
    (status) => ({ label: decisionStatusLabels[status], value: counts[status] ?? 0, tone: status }),
  );
}
