/** Retry delays grow as e^attempts seconds (2.7 s, 7.4 s, 20 s, 55 s, 2.5 min … capped at ~6.1 h). */
export const maxBackoffExponent = 10;

/** ±25 %: enough to spread a burst of failures (a partner outage) over time. */
export const defaultJitter = 0.25;

/**
 * The delay before the next attempt of a job that has failed `attempts` times (≥ 1):
 * e^min(attempts, 10) seconds, multiplied by a random factor in [1 - jitter, 1 + jitter].
 * Pure: pass `random` to make it deterministic.
 */
export function backoffMs(
  attempts: number,
  random: () => number = Math.random,
  jitter = defaultJitter,
): number {
  const exponent = Math.min(Math.max(attempts, 1), maxBackoffExponent);
  const baseMs = Math.exp(exponent) * 1000;
  const factor = 1 + jitter * (2 * random() - 1);
  return Math.round(baseMs * factor);
}

/** The bounds backoffMs can return for `attempts` (for tests and the ops screen). */
export function backoffRangeMs(attempts: number, jitter = defaultJitter): [number, number] {
  const exponent = Math.min(Math.max(attempts, 1), maxBackoffExponent);
  const baseMs = Math.exp(exponent) * 1000;
  return [Math.round(baseMs * (1 - jitter)), Math.round(baseMs * (1 + jitter))];
}
