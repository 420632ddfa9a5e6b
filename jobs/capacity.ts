/**
 * The runner's local queue arithmetic (pure). A process claims jobs in batches and keeps a small
 * buffer of claimed jobs beyond the ones running, so one write transaction claims (and later
 * completes) many jobs — the fsync per commit, not SQL, bounds throughput on a file database.
 * The buffer is sized by how fast jobs run: at most ~prefetchWindowMs of work waits locally,
 * so slow jobs (partner calls) are not hoarded by one process while another sits idle.
 */
export type CapacityInput = {
  concurrency: number;
  /** Most rows one claim statement takes. */
  batchSize: number;
  running: number;
  buffered: number;
  /** Recent mean handler duration; undefined until a job has finished. */
  avgDurationMs: number | undefined;
  prefetchWindowMs: number;
};

/** How many jobs to claim now (0 = none). */
export function claimWant(input: CapacityInput): number {
  const { concurrency, batchSize, running, buffered, avgDurationMs, prefetchWindowMs } = input;
  const bufferTarget =
    avgDurationMs === undefined
      ? 0
      : Math.floor((concurrency * prefetchWindowMs) / Math.max(avgDurationMs, 0.001));
  const target = concurrency + Math.min(bufferTarget, batchSize);
  return Math.max(0, Math.min(batchSize, target - running - buffered));
}

/** Exponentially weighted moving average (first sample taken as is). */
export function ewma(previous: number | undefined, sample: number, alpha = 0.2): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous);
}

/**
 * A buffered job may start only if it can time out before its lease ends; otherwise another
 * process could reclaim it while it runs. Such a job is released instead (not an attempt).
 */
export function canStartWithinLease(
  now: number,
  lockedUntil: number,
  timeoutMs: number,
  marginMs: number,
): boolean {
  return now + timeoutMs + marginMs <= lockedUntil;
}
