/**
 * `npm run bench:outbox [-- --jobs N] [--concurrency N] [--batch N] [--json]` measures the
 * transactional outbox on an embedded database file (WAL, synchronous=FULL — libSQL's default,
 * checked below), with a no-op handler:
 *
 * 1. Enqueue N jobs, 100 per write transaction, then drain them with the real JobRunner
 *    (concurrency 10, claim batches of up to 100): jobs/s from the runner's start until every
 *    job is durably completed, and the latency of each claim round (queued write + the previous
 *    round's completions + the claim, one transaction), p50/p95/p99.
 * 2. Enqueue 2,000 jobs one per write transaction (each its own commit, as a request would),
 *    all issued at once through the process's write queue — fsync-bound — and drain them again.
 * 3. Pickup: an idle runner, one job enqueued at a time: commit → handler start (the in-process
 *    nudge, not the poll).
 *
 * For scale (issue 3): BullMQ on Redis drains ~7,000 jobs/s; graphile-worker ~2,500 (9,000 with
 * batching). Target: ≥ 8,000 jobs/s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import { z } from "zod";
import { openDatabase, type Database } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { enqueue } from "~/jobs/enqueue.server";
import { defineJob, JobRegistry } from "~/jobs/registry";
import { JobRunner } from "~/jobs/runner.server";
import { latencySummary, roundTo } from "./stats";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "10" },
    batch: { type: "string", default: "100" },
    json: { type: "boolean", default: false },
  },
});
const jobCount = Number(values.jobs);
const concurrency = Number(values.concurrency);
const batchSize = Number(values.batch);
const pickupSamples = 200;
const singleTransactionJobs = Math.min(2000, jobCount);
const round2 = (value: number) => roundTo(value, 2);

const noop = defineJob({ kind: "bench-noop", schema: z.object({ n: z.number().int() }) });

async function countCompleted(database: Database) {
  const result = await database.client.execute(
    "SELECT count(*) AS n FROM outbox WHERE state = 'completed'",
  );
  return Number(result.rows[0]!.n);
}

async function enqueueOnePerTransaction(database: Database, from: number, count: number) {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      database.write((tx) => enqueue(tx, noop, { n: from + i })),
    ),
  );
  return performance.now() - started;
}

async function enqueueInBatches(database: Database, from: number, perTransaction = 100) {
  const started = performance.now();
  for (let start = 0; start < jobCount; start += perTransaction) {
    await database.write(async (tx) => {
      for (let i = start; i < Math.min(jobCount, start + perTransaction); i++) {
        await enqueue(tx, noop, { n: from + i });
      }
    });
  }
  return performance.now() - started;
}

/**
 * Runs a fresh runner until `expected` jobs are completed in the database. The clock stops when
 * the last completion is committed: the database is only polled once every handler has run (a
 * count of completed rows every few milliseconds would cost the runner CPU).
 */
async function drain(database: Database, expected: number, pending: number) {
  const claimMs: number[] = [];
  let claimed = 0;
  let productiveClaims = 0;
  let ran = 0;
  let allRan: () => void = () => {};
  const everyHandlerRan = new Promise<void>((resolve) => (allRan = resolve));
  const runner = new JobRunner({
    database,
    registry: new JobRegistry().handle(noop, async () => {
      if (++ran === pending) allRan();
    }),
    concurrency,
    batchSize,
    logger: pino({ level: "silent" }),
    onClaim: (info) => {
      claimMs.push(info.durationMs);
      claimed += info.claimed;
      if (info.claimed > 0) productiveClaims++;
    },
  });
  const started = performance.now();
  runner.start();
  await everyHandlerRan;
  while ((await countCompleted(database)) < expected) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const elapsedMs = performance.now() - started;
  await runner.stop();
  return {
    elapsedMs,
    jobsPerSecond: Math.round((pending / elapsedMs) * 1000),
    claimRounds: claimMs.length,
    jobsPerClaim: round2(claimed / Math.max(1, productiveClaims)),
    claimLatencyMs: latencySummary(claimMs),
  };
}

/** Idle runner, one job at a time: time from the enqueuing commit to the handler starting. */
async function pickup(database: Database) {
  let started: (() => void) | undefined;
  const runner = new JobRunner({
    database,
    registry: new JobRegistry().handle(noop, async () => started?.()),
    concurrency,
    logger: pino({ level: "silent" }),
  }).start();
  const samples: number[] = [];
  for (let i = 0; i < pickupSamples; i++) {
    const ran = new Promise<void>((resolve) => (started = resolve));
    await database.write((tx) => enqueue(tx, noop, { n: -1 - i }));
    const committed = performance.now();
    await ran;
    samples.push(performance.now() - committed);
  }
  await runner.stop();
  return latencySummary(samples);
}

const dir = mkdtempSync(join(tmpdir(), "flowpay-bench-outbox-"));
const database = await openDatabase({ url: `file:${join(dir, "bench.db")}` });
try {
  await migrateDatabase(database);
  const pragma = async (name: string) =>
    String(Object.values((await database.client.execute(`PRAGMA ${name}`)).rows[0] ?? {})[0]);
  const synchronous = await pragma("synchronous");
  const journalMode = await pragma("journal_mode");
  if (synchronous !== "2") throw new Error(`expected synchronous=FULL (2), got ${synchronous}`);

  const batchedMs = await enqueueInBatches(database, 0);
  const drainBatched = await drain(database, jobCount, jobCount);
  const singleMs = await enqueueOnePerTransaction(database, jobCount, singleTransactionJobs);
  const drainSingle = await drain(
    database,
    jobCount + singleTransactionJobs,
    singleTransactionJobs,
  );
  const pickupLatencyMs = await pickup(database);

  const result = {
    database: { file: true, journalMode, synchronous: "FULL" },
    jobs: jobCount,
    concurrency,
    batchSize,
    enqueue: {
      hundredPerTransaction: {
        jobs: jobCount,
        jobsPerSecond: Math.round((jobCount / batchedMs) * 1000),
        elapsedMs: Math.round(batchedMs),
      },
      onePerTransaction: {
        jobs: singleTransactionJobs,
        jobsPerSecond: Math.round((singleTransactionJobs / singleMs) * 1000),
        elapsedMs: Math.round(singleMs),
      },
    },
    drain: { ...drainBatched, elapsedMs: Math.round(drainBatched.elapsedMs) },
    drainAfterSingleTransactions: {
      ...drainSingle,
      jobs: singleTransactionJobs,
      elapsedMs: Math.round(drainSingle.elapsedMs),
    },
    pickupLatencyMs,
    targetDrainJobsPerSecond: 8000,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const lat = (l: ReturnType<typeof latencySummary>) =>
      `p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms (${l.samples} samples)`;
    const n = (value: number) => value.toLocaleString("en-US");
    const { hundredPerTransaction: batched, onePerTransaction: single } = result.enqueue;
    const d = result.drain;
    const lines = [
      `Outbox benchmark — no-op handler, concurrency ${concurrency}, claim batch ≤ ${batchSize}`,
      `database: embedded file, journal_mode=${journalMode}, synchronous=FULL`,
      ``,
      `enqueue ${n(batched.jobs)} jobs, 100 per transaction: ${n(batched.jobsPerSecond)} jobs/s`,
      `drain ${n(jobCount)} jobs: ${n(d.jobsPerSecond)} jobs/s (${n(d.elapsedMs)} ms; ${d.claimRounds} claim rounds, ${d.jobsPerClaim} jobs per claim)`,
      `  claim round latency: ${lat(d.claimLatencyMs)}`,
      `enqueue ${n(single.jobs)} jobs, 1 per transaction: ${n(single.jobsPerSecond)} jobs/s (one fsync each)`,
      `  drained at ${n(result.drainAfterSingleTransactions.jobsPerSecond)} jobs/s`,
      `pickup, commit → handler start (idle runner, nudged): ${lat(pickupLatencyMs)}`,
      ``,
      `For scale: BullMQ ~7,000 jobs/s drained; graphile-worker ~2,500 (9,000 batched). Target ≥ 8,000 jobs/s.`,
    ];
    console.log(lines.join("\n"));
  }
} finally {
  database.close();
  rmSync(dir, { recursive: true, force: true });
}
