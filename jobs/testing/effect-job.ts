import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { defineJob, type JobHandler } from "~/jobs/registry";

/**
 * A job kind for tests whose effect is a row keyed by the job's idempotency key, written with
 * INSERT … ON CONFLICT: however many times the job runs (at-least-once), its effect exists once,
 * and `executions` shows how many times it actually ran.
 */
export const effectJob = defineJob({
  kind: "test-effect",
  schema: z.object({ n: z.number().int(), workMs: z.number().int().min(0).default(0) }),
  timeoutMs: 1000,
  maxAttempts: 20,
});

export const createEffectsTable = `CREATE TABLE IF NOT EXISTS test_effects (
  idempotency_key TEXT PRIMARY KEY,
  n INTEGER NOT NULL,
  executions INTEGER NOT NULL,
  worker TEXT NOT NULL
)`;

export function effectHandler(workerId: string): JobHandler<typeof effectJob.schema> {
  return async (payload, ctx) => {
    if (payload.workMs > 0) await sleep(payload.workMs, undefined, { signal: ctx.signal });
    await ctx.database.serialized(() =>
      ctx.database.client.execute({
        sql: `INSERT INTO test_effects (idempotency_key, n, executions, worker) VALUES (?, ?, 1, ?)
              ON CONFLICT (idempotency_key) DO UPDATE SET executions = executions + 1`,
        args: [ctx.idempotencyKey, payload.n, workerId],
      }),
    );
  };
}
