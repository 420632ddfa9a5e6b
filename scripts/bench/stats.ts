/**
 * The benchmarks' latency statistics, in one place: each bench had its own percentile, and
 * they disagreed (nearest rank in some, a floor index in others), so a "p95" meant slightly
 * different things in docs/performance.md depending on the bench. Pure.
 */

/**
 * The nearest-rank percentile of samples sorted ascending: the smallest sample with at least
 * `p` % of the samples at or below it (`p` from 0 to 100). 0 when there are no samples.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** `value` rounded to `digits` decimals (for printing figures). */
export const roundTo = (value: number, digits = 0) =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/** p50, p95, p99 and the maximum of latency samples (any order), rounded to `digits`. */
export function latencySummary(samplesMs: readonly number[], digits = 2) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: roundTo(percentile(sorted, 50), digits),
    p95: roundTo(percentile(sorted, 95), digits),
    p99: roundTo(percentile(sorted, 99), digits),
    max: roundTo(sorted.at(-1) ?? 0, digits),
  };
}
