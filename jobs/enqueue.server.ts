import type { z } from "zod";
import { runProgram, type Step } from "~/db/native-writer.mjs";
import { asSqlTx, type AnyTx } from "~/db/sql-tx";
import { JobPayloadError } from "./errors";
import { nudgeRunner } from "./nudge.server";
import type { JobDefinition } from "./registry";

export type EnqueueOptions = {
  /** Overrides the kind's priority (lower runs first). */
  priority?: number;
  /** Not before this time (default: now). */
  runAt?: Date | number;
  /**
   * At most one pending job per (kind, key). With keyMode "replace" (default) a pending job
   * with the key is replaced by this one; with "dedupe" it is kept and this enqueue does
   * nothing. A job with the key that is already running is left to finish and loses its key.
   */
  key?: string;
  keyMode?: "replace" | "dedupe";
  /** Overrides the kind's maxAttempts. */
  maxAttempts?: number;
};

export type EnqueuedJob = { id: number; deduped: boolean };

/**
 * The statements that add a job, as write-program steps (ADR 019), validated here: a bad payload
 * fails the caller's transaction, not a job an hour later. No statement reads before another
 * writes, so a program can carry them: without a key, one INSERT; with a key in "replace" mode, a
 * pending holder is deleted (the new row gets its own idempotency key); in "dedupe" mode a pending
 * holder keeps the key and nothing is added; in both, a running holder finishes undisturbed but
 * gives the key up. Whoever runs a program nudges the runner once it commits.
 */
export function enqueueSteps<S extends z.ZodType>(
  job: JobDefinition<S>,
  payload: z.input<S>,
  options: EnqueueOptions = {},
): Step[] {
  const parsed = job.schema.safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "(payload)"}: ${i.message}`,
    );
    throw new JobPayloadError(`Invalid payload for job "${job.kind}": ${issues.join("; ")}`);
  }
  const priority = options.priority ?? job.priority;
  const maxAttempts = options.maxAttempts ?? job.maxAttempts;
  if (!Number.isInteger(priority)) throw new TypeError("priority must be an integer");
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError("maxAttempts must be an integer ≥ 1");
  }
  const now = Date.now();
  const runAt = options.runAt === undefined ? now : Number(options.runAt);
  if (!Number.isFinite(runAt)) throw new TypeError("runAt must be a valid time");
  const key = options.key === undefined ? null : `${job.kind}:${options.key}`;
  const args = [job.kind, JSON.stringify(parsed.data), priority, key, runAt, maxAttempts, now, now];

  if (key === null) return [{ sql: insertJob, args, returns: true, name: "job" }];
  if (options.keyMode === "dedupe") {
    return [
      { sql: releaseRunningKeyUnlessPending, args: [key, key] },
      { sql: insertJobUnlessPending, args: [...args, key], returns: true, name: "job" },
    ];
  }
  return [
    { sql: `DELETE FROM outbox WHERE ${holderOf} AND state = 'pending'`, args: [key] },
    { sql: `UPDATE outbox SET key = NULL WHERE ${holderOf} AND state = 'running'`, args: [key] },
    { sql: insertJob, args, returns: true, name: "job" },
  ];
}

// Plain SQL rather than the query builder: enqueue sits on every request path that causes a
// side effect, and this is 2–3× cheaper in CPU (measured: scripts/bench/outbox.ts); in a write
// program the statements stay compiled as well (ADR 019).
/**
 * The jobs holding a key. The state term is the unique key index's own condition, written out so
 * SQLite can use that partial index (it does not infer it from `state = 'pending'`, and would
 * walk the whole outbox instead — enqueue.test.ts checks the plans).
 */
export const holderOf = "key = ? AND state IN ('pending', 'running')";

const insertJob = `INSERT INTO outbox (kind, payload, priority, state, key, run_at, attempts,
    max_attempts, created_at, updated_at)
  VALUES (?, ?, ?, 'pending', ?, ?, 0, ?, ?, ?)
  RETURNING id`;
const releaseRunningKeyUnlessPending = `UPDATE outbox SET key = NULL
  WHERE ${holderOf} AND state = 'running'
    AND NOT EXISTS (SELECT 1 FROM outbox WHERE ${holderOf} AND state = 'pending')`;
const insertJobUnlessPending = `INSERT INTO outbox (kind, payload, priority, state, key, run_at,
    attempts, max_attempts, created_at, updated_at)
  SELECT ?, ?, ?, 'pending', ?, ?, 0, ?, ?, ?
  WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE ${holderOf} AND state = 'pending')
  RETURNING id`;

/**
 * Adds a job inside the caller's write transaction, so the job exists if and only if the
 * business change that causes it commits.
 */
export async function enqueue<S extends z.ZodType>(
  tx: AnyTx,
  job: JobDefinition<S>,
  payload: z.input<S>,
  options: EnqueueOptions = {},
): Promise<EnqueuedJob> {
  const x = asSqlTx(tx);
  const { rows } = await runProgram(x, { steps: enqueueSteps(job, payload, options) });
  if (!rows.job) {
    // Deduplicated: the pending holder of the key stands for this enqueue.
    const holder = await x.get<{ id: number }>(
      `SELECT id FROM outbox WHERE ${holderOf} AND state = 'pending'`,
      [`${job.kind}:${options.key}`],
    );
    return { id: Number(holder!.id), deduped: true };
  }
  // Safe before the commit: the runner's claim queues behind this transaction.
  nudgeRunner();
  return { id: Number(rows.job.id), deduped: false };
}
