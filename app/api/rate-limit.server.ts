import type { Database } from "~/db/client";
import { getDatabase } from "~/app/db.server";
import { logger } from "~/app/observability/logger.server";
import { apiError } from "./errors.server";

/** A limiter's answer: whether the request may go on, and the RateLimit-* headers to send. */
export type RateLimitOutcome = { allowed: boolean; headers: Record<string, string> };

const windowMs = 60_000;

/**
 * A process takes a lease of this many requests at a time from the shared counter: 1/20 of the
 * limit, so a busy key costs one write per twentieth of its budget (a limit under 40: one per
 * request, exact).
 */
export const leaseSize = (limit: number) => Math.max(1, Math.floor(limit / 20));

/**
 * One atomic upsert through the write queue takes a lease: in the key's window, `used` grows by
 * the lease, never past the limit; a window that has ended starts again now. `granted` (what
 * `used` grew by) comes from the row as it was — SQLite evaluates every SET expression on the old
 * row. ?1 key, ?2 now, ?3 lease, ?4 limit, ?5 window (ms).
 */
const leaseSql = `INSERT INTO rate_limit_windows (key, window_start, used, granted)
  VALUES (?1, ?2, min(?3, ?4), min(?3, ?4))
  ON CONFLICT (key) DO UPDATE SET
    window_start = CASE WHEN window_start <= ?2 - ?5 THEN ?2 ELSE window_start END,
    used = CASE WHEN window_start <= ?2 - ?5 THEN min(?3, ?4) ELSE min(used + ?3, ?4) END,
    granted = CASE WHEN window_start <= ?2 - ?5 THEN min(?3, ?4) ELSE min(used + ?3, ?4) - used END
  RETURNING window_start, used, granted`;
/** Rows of windows that ended (rate_limit_windows_start_idx). */
const pruneSql = `DELETE FROM rate_limit_windows WHERE window_start <= ?`;

type KeyState = {
  /** When the key's window started (0: not known yet); it ends a minute later. */
  window: number;
  /** Requests of this process's leases not used yet. */
  lease: number;
  /** The shared counter as the last lease left it (this process's unused lease included). */
  used: number;
  /** The window is spent for every process: refuse without asking. */
  spent: boolean;
  /** A lease being taken: concurrent requests for the key wait for it rather than take their own. */
  pending: Promise<void> | null;
  /** Requests counted by this process alone while the shared counter could not be written. */
  alone: number;
};

/**
 * Requests a minute per key — an API key, a client address, a borrower link — counted for every
 * process on the database together (ADR 084; each process counted alone before, ADR 010): a
 * one-minute window per key in `rate_limit_windows`, starting with the key's first request (as
 * the per-process limiter's did). A process leases a slice of the window's budget with one atomic
 * upsert through the write queue and spends it from memory, so a busy key costs one write per
 * twentieth of its limit, not one per request, and no process lets more than the limit through
 * in a window (all leases together are at most the limit). A lease one process leaves unused when
 * the window is spent by others is lost: at most (processes − 1) × (lease − 1) requests a window
 * fewer than the limit.
 *
 * `name` keeps limiters that count the same key apart (a key's write and read budgets).
 */
export function createRateLimiter(
  name: string,
  pointsPerMinute: number,
  options: { database?: () => Promise<Database> } = {},
) {
  const limit = pointsPerMinute;
  const lease = leaseSize(limit);
  const database = options.database ?? getDatabase;
  const states = new Map<string, KeyState>();
  let prunedAt = 0;
  let warned = false;

  const ended = (state: KeyState, now: number) =>
    state.window > 0 && state.window + windowMs <= now && !state.pending;

  /** The key's state in this process; a fresh one when its window ended. */
  const stateOf = (key: string, now: number): KeyState => {
    let state = states.get(key);
    if (!state || ended(state, now)) {
      // Keys whose window ended are forgotten as new ones arrive (bounded by a minute's keys).
      if (states.size > 10_000) for (const [k, s] of states) if (ended(s, now)) states.delete(k);
      state = { window: 0, lease: 0, used: 0, spent: false, pending: null, alone: 0 };
      states.set(key, state);
    }
    return state;
  };

  const takeLease = async (key: string, state: KeyState) => {
    const now = Date.now();
    // About once a window, the rows of windows that ended go with a lease.
    const prune = prunedAt + windowMs <= now;
    if (prune) prunedAt = now;
    try {
      const db = await database();
      const result = await db.writeProgram({
        steps: [
          {
            sql: leaseSql,
            args: [`${name}|${key}`, now, lease, limit, windowMs],
            returns: true,
            name: "counter",
          },
          ...(prune ? [{ sql: pruneSql, args: [now - windowMs] }] : []),
        ],
      });
      const row = result.rows.counter as { window_start: number; used: number; granted: number };
      state.window = Number(row.window_start);
      state.used = Number(row.used);
      state.lease += Number(row.granted);
      if (Number(row.granted) === 0) state.spent = true;
    } catch (error) {
      // The shared counter cannot be written (ADR 024: disk full, writer restarting…): count in
      // this process alone until it can, rather than refuse every request or let all through.
      if (!warned) {
        warned = true;
        logger.warn(
          { err: error, limiter: name },
          "rate limit counted per process: the shared counter could not be written",
        );
      }
      if (state.window === 0) state.window = now;
      state.alone++;
      if (state.used + state.alone <= limit) state.lease++;
      else state.spent = true;
    }
  };

  /** Seconds until the key's window ends (a whole window for a key not seen yet). */
  const resetIn = (state: KeyState, now: number) =>
    state.window === 0 ? 60 : Math.max(0, Math.ceil((state.window + windowMs - now) / 1000));

  const headersFor = (state: KeyState, now: number): Record<string, string> => ({
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(Math.max(0, limit - state.used + state.lease)),
    "RateLimit-Reset": String(resetIn(state, now)),
    "RateLimit-Policy": `${limit};w=60`,
  });

  const refused = (state: KeyState, now: number): RateLimitOutcome => ({
    allowed: false,
    headers: {
      ...headersFor(state, now),
      "RateLimit-Remaining": "0",
      "Retry-After": String(Math.max(1, resetIn(state, now))),
    },
  });

  return {
    limit,
    /** Consumes one request for `key`; returns the headers to send and whether it is allowed. */
    async consume(key: string): Promise<RateLimitOutcome> {
      for (;;) {
        const now = Date.now();
        const state = stateOf(key, now);
        if (state.lease > 0) {
          state.lease--;
          return { allowed: true, headers: headersFor(state, now) };
        }
        if (state.spent) return refused(state, now);
        state.pending ??= takeLease(key, state).finally(() => {
          state.pending = null;
        });
        await state.pending;
      }
    },
    /**
     * Whether `key` has a request left, without using it (a conditional read is charged later):
     * from this process's knowledge, never a database round trip — the charge decides.
     */
    async peek(key: string): Promise<RateLimitOutcome> {
      const now = Date.now();
      const state = stateOf(key, now);
      if (state.lease === 0 && state.spent) return refused(state, now);
      return { allowed: true, headers: headersFor(state, now) };
    },
  };
}

export function rateLimitedResponse(headers: Record<string, string>) {
  return apiError(
    "rate_limited",
    "Too many requests; retry after the number of seconds in Retry-After",
    {
      headers,
    },
  );
}
