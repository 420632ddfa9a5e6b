import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import type { Database } from "~/db/client";
import type { JobRegistry } from "~/jobs/registry";
import { JobRunner, type RunnerOptions } from "~/jobs/runner.server";

/** Polls `check` until it returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  { timeoutMs = 20_000, intervalMs = 10, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A clock tests move forward by hand; it also follows real time, so it never goes back. */
export function manualClock() {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance(ms: number) {
      offsetMs += ms;
    },
  };
}

export const silentLogger = pino({ level: "silent" });

type RunnerOverrides = Partial<Omit<RunnerOptions, "database" | "registry">>;

/** A runner for tests: quiet, quick to poll, no Prometheus metrics unless asked. */
export function testRunner(
  database: Database,
  registry: JobRegistry,
  options: RunnerOverrides = {},
) {
  return new JobRunner({
    database,
    registry,
    pollIntervalMs: 20,
    logger: silentLogger,
    metrics: false,
    ...options,
  });
}

/** The outbox row of a job, in the runner's own terms. */
export async function jobRow(database: Database, id: number) {
  const result = await database.client.execute({
    sql: "SELECT * FROM outbox WHERE id = ?",
    args: [id],
  });
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    id: Number(row.id),
    kind: String(row.kind),
    state: String(row.state),
    key: row.key === null ? null : String(row.key),
    priority: Number(row.priority),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAt: Number(row.run_at),
    updatedAt: Number(row.updated_at),
    lockedBy: row.locked_by === null ? null : String(row.locked_by),
    lastError: row.last_error === null ? null : String(row.last_error),
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
    payload: JSON.parse(String(row.payload)) as unknown,
  };
}

export async function countJobs(database: Database, where = "1 = 1"): Promise<number> {
  const result = await database.client.execute(`SELECT count(*) AS n FROM outbox WHERE ${where}`);
  return Number(result.rows[0]!.n);
}
