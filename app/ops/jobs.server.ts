import type { Database } from "~/db/client";
import {
  discardDeadJob,
  JobKeyConflictError,
  JobNotFoundError,
  listDeadJobs,
  queueStats,
  retryDeadJob,
} from "~/jobs/admin.server";
import type { OperatorActor } from "./rules.server";
import { RefusalError } from "~/app/errors/refusal";

/**
 * The jobs monitor's glue over jobs/admin.server.ts (the outbox's operating functions, shared
 * with the CLI): queue depth, the jobs running now, the dead letters, and retry/discard audited
 * with the operator, their address and agent.
 */
export type RunningJob = {
  id: number;
  kind: string;
  attempts: number;
  maxAttempts: number;
  lockedBy: string | null;
  /** When the lease ends (a job still running then is reclaimed). */
  lockedUntil: number | null;
  /** When it was claimed (last update). */
  claimedAt: number;
};

/** Jobs running now, oldest claim first (running rows are few: the lease index covers them). */
export async function listRunningJobs(database: Database, limit = 100): Promise<RunningJob[]> {
  const result = await database.client.execute({
    sql: `SELECT id, kind, attempts, max_attempts, locked_by, locked_until, updated_at
          FROM outbox
          WHERE state = 'running' ORDER BY updated_at, id LIMIT ?`,
    args: [limit],
  });
  return result.rows.map((row) => ({
    id: Number(row.id),
    kind: String(row.kind),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    lockedBy: row.locked_by === null ? null : String(row.locked_by),
    lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
    claimedAt: Number(row.updated_at),
  }));
}

export const deadJobsPageSize = 50;

export async function loadJobsMonitor(
  database: Database,
  options: { kind?: string; beforeId?: number } = {},
) {
  // The monitor's reads run in a reader thread (ADR 083): the outbox can be large.
  const reads = database.reader;
  const [stats, running, dead] = await Promise.all([
    queueStats(reads),
    listRunningJobs(reads),
    listDeadJobs(reads, {
      kind: options.kind,
      beforeId: options.beforeId,
      limit: deadJobsPageSize + 1,
    }),
  ]);
  return {
    stats,
    running,
    dead: dead.slice(0, deadJobsPageSize),
    nextBeforeId: dead.length > deadJobsPageSize ? dead[deadJobsPageSize - 1]!.id : null,
  };
}

/** A refusal to show the operator (no such dead job, or its key is held by another job). */
export class JobActionError extends RefusalError<404 | 409> {
  // The status: 404: no such job; 409: the job is not dead (any more) or its key is taken.
  override name = "JobActionError";
}

async function explained<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof JobNotFoundError) throw new JobActionError(error.message, 404);
    if (error instanceof JobKeyConflictError) throw new JobActionError(error.message, 409);
    throw error;
  }
}

export function retryJob(database: Database, id: number, actor: OperatorActor) {
  // The audit record gets the whole actor (address and agent included).
  return explained(() => retryDeadJob(database, id, actor));
}

export function discardJob(database: Database, id: number, actor: OperatorActor) {
  return explained(() => discardDeadJob(database, id, actor));
}

/**
 * What became of a dead job an operator retried, for the banner of `/ops/jobs?done=retried&id=…`
 * (issue 18: a retry that fails again must say so, not a silent "retried"). Retrying resets
 * `attempts` to 0 and keeps the old `last_error`, so an attempt count above 0 means the job ran
 * again and `last_error` is the new failure. `error` is set when it failed again.
 */
export type RetryOutcome = { message: string; error: string | null };

export async function retryOutcome(database: Database, id: number): Promise<RetryOutcome> {
  const result = await database.client.execute({
    sql: `SELECT state, attempts, max_attempts, last_error FROM outbox WHERE id = ?`,
    args: [id],
  });
  const row = result.rows[0];
  if (!row) return { message: `Job ${id} was retried and is no longer in the queue.`, error: null };
  const state = String(row.state);
  const attempts = Number(row.attempts);
  const lastError = row.last_error === null ? "unknown error" : String(row.last_error);
  if (state === "completed")
    return { message: `Job ${id} was retried and completed.`, error: null };
  if (state === "dead") {
    return {
      message: `Job ${id} was retried and failed again (${attempts} of ${row.max_attempts} attempts): it is dead again.`,
      error: lastError,
    };
  }
  if (state === "running")
    return { message: `Job ${id} was retried and is running now.`, error: null };
  if (attempts > 0) {
    return {
      message: `Job ${id} was retried and failed again (attempt ${attempts} of ${row.max_attempts}); it will try again.`,
      error: lastError,
    };
  }
  return { message: `Job ${id} is queued again with a fresh set of attempts.`, error: null };
}
