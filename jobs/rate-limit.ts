/**
 * Per-kind rate limits ("at most 100 lender calls a minute"), shared by every process on the
 * database: the budget lives in the outbox_rate_limits table (fixed windows aligned on
 * multiples of perMs, as BullMQ's limiter) and is taken by the claim itself (jobs/sql.server.ts).
 * This module is the pure bookkeeping around it.
 */
export type RateLimit = { max: number; perMs: number };

/** The start of the fixed window that contains `now`. */
export function windowStartFor(now: number, perMs: number): number {
  return now - (now % perMs);
}

/** What is left of a window's budget, given the stored row (undefined: never used). */
export function remainingBudget(
  limit: RateLimit,
  stored: { windowStart: number; used: number } | undefined,
  now: number,
): number {
  if (!stored || stored.windowStart < windowStartFor(now, limit.perMs)) return limit.max;
  return Math.max(0, limit.max - stored.used);
}

/**
 * A process's memory of exhausted windows, so it does not try to claim a kind whose budget is
 * spent until the window rolls over (the database stays the authority; a closed gate only
 * saves a useless statement).
 */
export class RateLimitGate {
  private closedUntil = new Map<string, number>();

  isOpen(kind: string, now: number): boolean {
    const until = this.closedUntil.get(kind);
    return until === undefined || now >= until;
  }

  /** Records the usage a claim reported for `kind`'s current window. */
  record(kind: string, limit: RateLimit, usage: { windowStart: number; used: number }) {
    if (usage.used >= limit.max) this.closedUntil.set(kind, usage.windowStart + limit.perMs);
    else this.closedUntil.delete(kind);
  }
}
