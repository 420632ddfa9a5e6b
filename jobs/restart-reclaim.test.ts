import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import { enqueue } from "./enqueue.server";
import { JobRegistry } from "./registry";
import type { JobRunner } from "./runner.server";
import { jobRow, testRunner, waitFor } from "./testing/helpers";
import { createRunsTable, longJob, longJobHandler, longJobLeaseMs } from "./testing/long-job";

/**
 * Restart reclaim (ADR 071): a process killed with kill -9 while running a job leaves the job
 * leased for minutes (the lease outlasts the longest job timeout). The process that starts next
 * on the same host sees that the lease holder's pid is gone and takes the job back at its first
 * sweep — it runs again long before the lease would have expired, with the same idempotency key.
 */
const root = join(import.meta.dirname, "..");
const workerEntry = join(import.meta.dirname, "testing/long-job-worker.ts");

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;
const children: ChildProcess[] = [];
const runners: JobRunner[] = [];

beforeEach(async () => {
  database = await createTestDatabase();
  await database.serialized(() => database.client.execute(createRunsTable));
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop({ graceMs: 500 })));
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  database.destroy();
});

function startChild(): Promise<{ child: ChildProcess; workerId: string }> {
  // node with tsx's loader, not the tsx CLI: a SIGKILL must reach the runner itself.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", workerEntry, join(database.dir, "test.db")],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, LOG_LEVEL: "silent" },
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      const match = /ready (\S+)/.exec(chunk.toString());
      if (match) resolve({ child, workerId: match[1]! });
    });
  });
}

async function runs() {
  const result = await database.client.execute(
    "SELECT idempotency_key, attempt, pid FROM test_runs ORDER BY id",
  );
  return result.rows.map((r) => ({
    key: String(r.idempotency_key),
    attempt: Number(r.attempt),
    pid: Number(r.pid),
  }));
}

async function enqueueLongJob() {
  return database.write((tx) => enqueue(tx, longJob, { n: 1 }));
}

/** A new runner in this process (another pid, the same host), as a restarted server's. */
function startRunner(onRound?: () => void) {
  const runner = testRunner(database, new JobRegistry().handle(longJob, longJobHandler), {
    leaseMs: longJobLeaseMs,
    onClaim: onRound,
  }).start();
  runners.push(runner);
  return runner;
}

describe("restart reclaim", () => {
  it("a job leased by a kill -9'd process runs again at the next process's first sweep, not after the lease", async () => {
    const job = await enqueueLongJob();
    const { child, workerId } = await startChild();
    await waitFor(async () => (await runs()).length === 1, {
      what: "the job running in the child",
    });
    const leased = await jobRow(database, job.id);
    expect(leased).toMatchObject({ state: "running", lockedBy: workerId, attempts: 1 });

    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    // Still leased to the dead worker, for minutes.
    expect(await jobRow(database, job.id)).toMatchObject({ state: "running", lockedBy: workerId });

    startRunner();
    // Far less than the lease (5 min): only the restart reclaim can make this pass.
    await waitFor(async () => (await jobRow(database, job.id))?.state === "completed", {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: "the killed process's job completed by the new runner",
    });
    const done = await jobRow(database, job.id);
    expect(done?.attempts).toBe(2); // the interrupted attempt counts, as after a lease expiry
    const [first, second] = await runs();
    expect(second).toMatchObject({ attempt: 2, pid: process.pid });
    // The repeat carries the same idempotency key to the partner.
    expect(second!.key).toBe(first!.key);
    expect(first!.pid).toBe(child.pid);
  }, 60_000);

  it("leaves the leases of a live process alone", async () => {
    const job = await enqueueLongJob();
    const { workerId } = await startChild();
    await waitFor(async () => (await runs()).length === 1, {
      what: "the job running in the child",
    });

    let rounds = 0;
    startRunner(() => rounds++);
    // The runner's first round sweeps (with the dead-worker check) and claims in one batch.
    await waitFor(() => rounds >= 1, { what: "the second runner's first round" });
    expect(await jobRow(database, job.id)).toMatchObject({
      state: "running",
      lockedBy: workerId,
      attempts: 1,
    });
    expect(await runs()).toHaveLength(1);
  }, 60_000);
});
