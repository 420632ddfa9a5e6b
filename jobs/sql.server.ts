import type { Row } from "~/db/native-writer.mjs";
import type { SqlValue } from "~/db/sql-tx";

/**
 * The runner's statements, as plain SQL on the libSQL client (no ORM on the hot path). Every
 * one is a single atomic statement; the runner groups them into one write batch per round and
 * sends that through the process's write queue (database.serialized).
 */

/** One statement with positional arguments. */
export type Statement = { sql: string; args: SqlValue[] };

/** A claimed row, as the claim returns it. */
export type ClaimedJob = {
  id: number;
  kind: string;
  payload: string;
  priority: number;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  key: string | null;
  createdAt: number;
  lockedUntil: number;
};

const claimedColumns =
  "id, kind, payload, priority, run_at, attempts, max_attempts, key, created_at, locked_until";

export function toClaimedJob(row: Row): ClaimedJob {
  return {
    id: Number(row.id),
    kind: String(row.kind),
    payload: String(row.payload),
    priority: Number(row.priority),
    runAt: Number(row.run_at),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    key: row.key === null ? null : String(row.key),
    createdAt: Number(row.created_at),
    lockedUntil: Number(row.locked_until),
  };
}

/** Claim order: priority, then due time, then enqueue order. */
export function byClaimOrder(a: ClaimedJob, b: ClaimedJob) {
  return a.priority - b.priority || a.runAt - b.runAt || a.id - b.id;
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

type ClaimArgs = { workerId: string; now: number; leaseMs: number; limit: number };

/**
 * Claims up to `limit` ready jobs of `kinds` in one statement, in claim order across kinds. Each
 * kind's candidates come from its own range of outbox_ready_idx (kind, priority, run_at, id;
 * pending rows only), at most `limit` of them, so the cost does not grow with other kinds'
 * backlogs — thousands of texts waiting for their rate limit are never walked through to find
 * a decision to run. Only the ≤ kinds × limit candidates are sorted. The unary `+` on run_at
 * keeps SQLite, once ANALYZE has run, from choosing a skip-scan of the index on run_at instead
 * (measured: 2 ms instead of 0.05 ms behind 20,000 waiting jobs). INDEXED BY: with the jobs
 * monitor's (state, kind, run_at) index beside it the planner took that one and sorted every
 * pending job of the kind by priority — intake fell round after round as a rate-limited backlog
 * grew (bench:intake 669 → 427 → 304 req/s).
 */
export function claimStatement(kinds: string[], args: ClaimArgs): Statement {
  const perKind = kinds
    .map(
      () => `SELECT * FROM (SELECT id, priority, run_at FROM outbox INDEXED BY outbox_ready_idx
              WHERE state = 'pending' AND kind = ? AND +run_at <= ?
              ORDER BY priority, run_at, id LIMIT ?)`,
    )
    .join(" UNION ALL ");
  return {
    sql: `UPDATE outbox SET state = 'running', locked_by = ?, locked_until = ?,
            attempts = attempts + 1, updated_at = ?
          WHERE id IN (SELECT id FROM (${perKind}) ORDER BY priority, run_at, id LIMIT ?)
          RETURNING ${claimedColumns}`,
    args: [
      args.workerId,
      args.now + args.leaseMs,
      args.now,
      ...kinds.flatMap((kind) => [kind, args.now, args.limit]),
      args.limit,
    ],
  };
}

/**
 * The three statements that claim a rate-limited kind within its window's budget: roll the
 * window over if it has ended, claim at most what is left of the budget, then add what was
 * claimed (`changes()` of the claim) and return the window's usage.
 */
export function rateLimitedClaimStatements(
  kind: string,
  limit: { max: number; perMs: number },
  args: ClaimArgs,
): Statement[] {
  const windowStart = args.now - (args.now % limit.perMs);
  return [
    {
      sql: `INSERT INTO outbox_rate_limits (kind, window_start, used) VALUES (?, ?, 0)
            ON CONFLICT (kind) DO UPDATE SET window_start = excluded.window_start, used = 0
            WHERE outbox_rate_limits.window_start < excluded.window_start`,
      args: [kind, windowStart],
    },
    {
      sql: `UPDATE outbox SET state = 'running', locked_by = ?, locked_until = ?,
              attempts = attempts + 1, updated_at = ?
            WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_ready_idx
              WHERE state = 'pending' AND kind = ? AND +run_at <= ?
              ORDER BY priority, run_at, id
              LIMIT max(0, min(?, ? - (SELECT used FROM outbox_rate_limits WHERE kind = ?))))
            RETURNING ${claimedColumns}`,
      args: [
        args.workerId,
        args.now + args.leaseMs,
        args.now,
        kind,
        args.now,
        args.limit,
        limit.max,
        kind,
      ],
    },
    {
      sql: `UPDATE outbox_rate_limits SET used = used + changes() WHERE kind = ?
            RETURNING window_start, used`,
      args: [kind],
    },
  ];
}

/** Completes every job of a round in one statement, fenced on the claiming worker. */
export function completeStatement(ids: number[], workerId: string, now: number): Statement {
  return {
    sql: `UPDATE outbox SET state = 'completed', completed_at = ?, updated_at = ?,
            locked_by = NULL, locked_until = NULL, last_error = NULL
          WHERE id IN (${placeholders(ids.length)}) AND state = 'running' AND locked_by = ?`,
    args: [now, now, ...ids, workerId],
  };
}

export type FailureUpdate = {
  id: number;
  /** "pending" to retry at runAt, "dead" for the dead letters. */
  state: "pending" | "dead";
  runAt: number;
  error: string;
  /** When the attempt failed: updated_at, so run_at - updated_at is the backoff chosen. */
  failedAt: number;
};

/** Records one failed attempt (retry or dead letter), fenced on the claiming worker. */
export function failStatement(failure: FailureUpdate, workerId: string): Statement {
  return {
    sql: `UPDATE outbox SET state = ?, run_at = ?, last_error = ?, updated_at = ?,
            locked_by = NULL, locked_until = NULL
          WHERE id = ? AND state = 'running' AND locked_by = ?`,
    args: [failure.state, failure.runAt, failure.error, failure.failedAt, failure.id, workerId],
  };
}

/**
 * Gives claimed jobs back without counting an attempt (shutdown, or a buffered job whose lease
 * would end before it could time out): ready again at once for any worker.
 */
export function releaseStatement(
  ids: number[],
  workerId: string,
  now: number,
  reason: string,
): Statement {
  return {
    sql: `UPDATE outbox SET state = 'pending', attempts = max(attempts - 1, 0), run_at = ?,
            last_error = ?, updated_at = ?, locked_by = NULL, locked_until = NULL
          WHERE id IN (${placeholders(ids.length)}) AND state = 'running' AND locked_by = ?`,
    args: [now, reason, now, ...ids, workerId],
  };
}

/**
 * Reclaims jobs whose lease has expired (their process died or hung): back to pending — the
 * interrupted attempt counts, so a job that kills its process every time ends in the dead
 * letters after maxAttempts.
 */
export function reclaimStatement(now: number): Statement {
  return {
    sql: `UPDATE outbox SET
            state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
            run_at = ?, updated_at = ?,
            last_error = 'lease expired: worker ' || coalesce(locked_by, '?') || ' did not finish',
            locked_by = NULL, locked_until = NULL
          WHERE state = 'running' AND locked_until < ?
          RETURNING id, kind, state`,
    args: [now, now, now],
  };
}

/** The workers holding leases now (a read through outbox_lease_idx: running rows are few). */
export function leaseHoldersStatement(): Statement {
  return {
    sql: `SELECT DISTINCT locked_by FROM outbox
          WHERE state = 'running' AND locked_until IS NOT NULL AND locked_by IS NOT NULL`,
    args: [],
  };
}

/**
 * Reclaims, before their lease ends, the jobs of workers known to be dead (a predecessor killed
 * on this host, ADR 071): as a lease expiry does — the interrupted attempt counts — and fenced on
 * the dead worker's id, so nothing another worker claimed since is touched.
 */
export function reclaimFromWorkersStatement(workerIds: string[], now: number): Statement {
  return {
    sql: `UPDATE outbox SET
            state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
            run_at = ?, updated_at = ?,
            last_error = 'worker ' || locked_by || ' died: reclaimed at restart',
            locked_by = NULL, locked_until = NULL
          WHERE state = 'running' AND locked_by IN (${placeholders(workerIds.length)})
          RETURNING id, kind, state`,
    args: [now, now, ...workerIds],
  };
}

/** Is any job of `kinds` ready? A read (no write lock): lets an idle poll skip the claim. */
export function readyProbeStatement(kinds: string[], now: number): Statement {
  // outbox_ready_idx leads with kind: one indexed lookup per kind, stopping at the first ready
  // job (a short statement: this runs on every poll, and compiling the per-kind union the claim
  // uses cost more than the lookups). `+run_at`: no skip-scan, as in claimStatement.
  return {
    sql: `SELECT 1 AS ready FROM outbox INDEXED BY outbox_ready_idx
          WHERE state = 'pending' AND kind IN (${placeholders(kinds.length)}) AND +run_at <= ?
          LIMIT 1`,
    args: [...kinds, now],
  };
}
