import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { defineJob, type JobHandler } from "~/jobs/registry";

/**
 * A long job for the restart-reclaim test (jobs/restart-reclaim.test.ts): its first attempt
 * records that it started and then runs until its timeout (minutes) — the job a killed server
 * was in the middle of; any later attempt records itself and finishes at once.
 */
export const longJob = defineJob({
  kind: "test-long",
  schema: z.object({ n: z.number().int() }),
  timeoutMs: 4 * 60_000,
  maxAttempts: 5,
});

/** A lease longer than the job's timeout, as the runner requires. */
export const longJobLeaseMs = 5 * 60_000;

export const createRunsTable = `CREATE TABLE IF NOT EXISTS test_runs (
  id INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  pid INTEGER NOT NULL
)`;

export const longJobHandler: JobHandler<typeof longJob.schema> = async (_payload, ctx) => {
  await ctx.database.serialized(() =>
    ctx.database.client.execute({
      sql: "INSERT INTO test_runs (idempotency_key, attempt, pid) VALUES (?, ?, ?)",
      args: [ctx.idempotencyKey, ctx.attempt, process.pid],
    }),
  );
  if (ctx.attempt === 1) await sleep(longJob.timeoutMs, undefined, { signal: ctx.signal });
};
