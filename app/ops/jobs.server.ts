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
