/**
 * The dashboard's daily rollups (db/schema/rollups.ts, ADR 072), the arithmetic side: how a
 * duration is keyed, and percentiles over counted values. Pure, tested without a database.
 */

/**
 * A time to decision at the precision `formatDuration` (./dashboard.ts) shows: milliseconds
 * below 1 s, whole seconds below 1 h, whole minutes below a day, whole hours beyond. The
 * triggers of migration 0031 compute the same key in SQL. Monotonic, and formatDuration(key(x))
 * equals formatDuration(x): a percentile read from the keys shows what the raw values showed.
 */
export function durationKey(ms: number): number {
  if (ms < 1000) return ms;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return seconds * 1000;
  if (seconds < 86_400) return Math.floor(seconds / 60) * 60_000;
  return Math.floor(seconds / 3600) * 3_600_000;
}

/**
 * The p-th percentile (0 < p ≤ 100) by nearest rank over values with counts — the same value
 * `percentile` (./dashboard.ts) returns for the list with each value repeated `count` times.
 */
export function countedPercentile(
  counted: readonly { value: number; count: number }[],
  p: number,
): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError("percentile: p must be in (0, 100]");
  const sorted = counted.filter((c) => c.count > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, c) => sum + c.count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const c of sorted) {
    seen += c.count;
    if (seen >= rank) return c.value;
  }
  return sorted.at(-1)!.value;
}
