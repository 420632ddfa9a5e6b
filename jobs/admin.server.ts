import { and, eq, inArray } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { outbox } from "~/db/schema/index";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { nudgeRunner } from "./nudge.server";

/**
 * Operating the outbox: queue statistics, the dead letters (list, retry, discard) and pruning of
 * completed jobs. Used by the CLI (`npm run flowpay -- jobs …`), the runner (pruning) and, later,
 * the ops screen. Retry and discard are audited with the operator who asked.
 */
export type Actor = Pick<AuditEntry, "actorType" | "actorId">;

export class JobNotFoundError extends Error {
  // The CLI maps this name to its "not_found" exit code.
  override name = "NotFoundError";
}

export class JobKeyConflictError extends Error {
  // The CLI maps this name to its "conflict" exit code.
  override name = "DuplicateError";
}

export type KindStats = {
  kind: string;
  pending: number;
  /** Pending and due now. */
  ready: number;
  running: number;
  dead: number;
  completed: number;
};

export type QueueStats = {
  kinds: KindStats[];
  totals: Omit<KindStats, "kind">;
  /** How long the oldest ready job has waited (0 when none is ready). */
  oldestReadyMs: number;
};

/**
 * Counts per kind and state. Reads only the (state, kind, run_at) index, state by state — never
 * the rows and their payloads (ADR 072); the completed count still walks the completed rows'
 * index entries, which retention keeps bounded.
 */
export async function queueStats(database: Database, now = Date.now()): Promise<QueueStats> {
  const result = await database.client.execute({
    sql: `SELECT state, kind, count(*) AS n, sum(run_at <= ?) AS due
          FROM outbox INDEXED BY outbox_state_kind_idx
          WHERE state IN ('pending', 'running', 'dead', 'completed') GROUP BY state, kind`,
    args: [now],
  });
  const byKind = new Map<string, KindStats>();
  for (const row of result.rows) {
    const kind = String(row.kind);
    const stats = byKind.get(kind) ?? {
      kind,
      pending: 0,
      ready: 0,
      running: 0,
      dead: 0,
      completed: 0,
    };
    const state = String(row.state) as "pending" | "running" | "dead" | "completed";
    stats[state] = Number(row.n);
    if (state === "pending") stats.ready = Number(row.due ?? 0);
    byKind.set(kind, stats);
  }
  const kinds = [...byKind.values()].sort((a, b) =>
    a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0,
  );
  const totals = { pending: 0, ready: 0, running: 0, dead: 0, completed: 0 };
  for (const k of kinds) {
    for (const field of Object.keys(totals) as (keyof typeof totals)[]) totals[field] += k[field];
  }
  const oldest = await database.client.execute({
    sql: `SELECT min(run_at) AS run_at FROM outbox WHERE state = 'pending' AND run_at <= ?`,
    args: [now],
  });
  const oldestRunAt = oldest.rows[0]?.run_at;
  return {
    kinds,
    totals,
    oldestReadyMs:
      oldestRunAt === null || oldestRunAt === undefined ? 0 : now - Number(oldestRunAt),
  };
}

export type DeadJob = {
  id: number;
  kind: string;
  key: string | null;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: number;
  /** When it entered the dead letters. */
  diedAt: number;
  /** Only with includePayload (it may carry personal data). */
  payload?: unknown;
};

/** Dead jobs, newest first; page with `beforeId`. Reads the dead-letter index only. */
export async function listDeadJobs(
  database: Database,
  options: { kind?: string; limit?: number; beforeId?: number; includePayload?: boolean } = {},
): Promise<DeadJob[]> {
  const conditions = ["state = 'dead'"];
  const args: (string | number)[] = [];
  if (options.kind !== undefined) {
    conditions.push("kind = ?");
    args.push(options.kind);
  }
  if (options.beforeId !== undefined) {
    conditions.push("id < ?");
    args.push(options.beforeId);
  }
  args.push(Math.min(Math.max(options.limit ?? 50, 1), 1000));
  const result = await database.client.execute({
    sql: `SELECT id, kind, key, attempts, max_attempts, last_error, created_at, updated_at, payload
          FROM outbox INDEXED BY ${options.kind !== undefined ? "outbox_dead_idx" : "outbox_dead_recent_idx"}
          WHERE ${conditions.join(" AND ")} ORDER BY id DESC LIMIT ?`,
    args,
  });
  return result.rows.map((row) => ({
    id: Number(row.id),
    kind: String(row.kind),
    key: row.key === null ? null : String(row.key),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    lastError: row.last_error === null ? null : String(row.last_error),
    createdAt: Number(row.created_at),
    diedAt: Number(row.updated_at),
    ...(options.includePayload ? { payload: JSON.parse(String(row.payload)) as unknown } : {}),
  }));
}

/**
 * Puts a dead job back in the queue with a fresh set of attempts, due now (its last error is
 * kept until it runs again). Refused if another pending or running job holds the same key.
 */
export async function retryDeadJob(database: Database, id: number, actor: Actor) {
  const now = Date.now();
  return database.write(async (tx) => {
    const row = await findDeadJob(tx, id);
    if (row.key !== null) {
      const [holder] = await tx
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.key, row.key), inArray(outbox.state, ["pending", "running"])));
      if (holder) {
        throw new JobKeyConflictError(
          `Job ${holder.id} already holds the key "${row.key}"; discard one of them instead`,
        );
      }
    }
    await tx
      .update(outbox)
      .set({
        state: "pending",
        attempts: 0,
        runAt: now,
        lockedBy: null,
        lockedUntil: null,
        updatedAt: now,
      })
      .where(and(eq(outbox.id, id), eq(outbox.state, "dead")));
    await audit(tx, {
      ...actor,
      action: "job.dead.retry",
      entityType: "job",
      entityId: String(id),
      details: { kind: row.kind },
    });
    // Safe inside the transaction: the runner's claim queues behind it.
    nudgeRunner();
    return { id, kind: row.kind };
  });
}

/** Deletes a dead job for good (audited). */
export async function discardDeadJob(database: Database, id: number, actor: Actor) {
  return database.write(async (tx) => {
    const row = await findDeadJob(tx, id);
    await tx.delete(outbox).where(and(eq(outbox.id, id), eq(outbox.state, "dead")));
    await audit(tx, {
      ...actor,
      action: "job.dead.discard",
      entityType: "job",
      entityId: String(id),
      details: { kind: row.kind },
    });
    return { id, kind: row.kind };
  });
}

async function findDeadJob(tx: Tx, id: number) {
  const [row] = await tx
    .select({ id: outbox.id, kind: outbox.kind, key: outbox.key, lastError: outbox.lastError })
    .from(outbox)
    .where(and(eq(outbox.id, id), eq(outbox.state, "dead")));
  if (!row) throw new JobNotFoundError(`No dead job with id ${id}`);
  return row;
}

/**
 * Deletes completed jobs that finished before `before`, in chunks (each its own short write
 * through the queue, so requests are not held up). Returns how many were deleted.
 */
export async function pruneCompletedJobs(
  database: Database,
  options: { before: number; chunkSize?: number },
): Promise<number> {
  const chunkSize = options.chunkSize ?? 1000;
  let total = 0;
  for (;;) {
    const result = await database.serialized(() =>
      database.client.execute({
        sql: `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox
                WHERE state = 'completed' AND completed_at < ? LIMIT ?)`,
        args: [options.before, chunkSize],
      }),
    );
    total += result.rowsAffected;
    if (result.rowsAffected < chunkSize) return total;
  }
}
