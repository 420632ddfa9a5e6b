import type { Database } from "../db/client";
import type { Env } from "../app/config/env.server";
import { createAppJobRegistry } from "./handlers/index";
import { JobRunner } from "./runner.server";

type RunnerEnv = Pick<
  Env,
  | "JOB_CONCURRENCY"
  | "JOB_POLL_INTERVAL_MS"
  | "JOB_LEASE_MS"
  | "JOB_BATCH_SIZE"
  | "JOB_RETENTION_DAYS"
>;

const globalForRunner = globalThis as unknown as { __flowpayJobRunner?: JobRunner };

/**
 * Starts the server process's job runner, once per process: a dev rebuild that boots again
 * gets the running one back (kept on globalThis, like the database handle).
 */
export function startJobRunner(database: Database, env: RunnerEnv): JobRunner {
  globalForRunner.__flowpayJobRunner ??= new JobRunner({
    database,
    registry: createAppJobRegistry(),
    concurrency: env.JOB_CONCURRENCY,
    pollIntervalMs: env.JOB_POLL_INTERVAL_MS,
    leaseMs: env.JOB_LEASE_MS,
    batchSize: env.JOB_BATCH_SIZE,
    retentionMs: env.JOB_RETENTION_DAYS * 24 * 3600_000,
  }).start();
  return globalForRunner.__flowpayJobRunner;
}
