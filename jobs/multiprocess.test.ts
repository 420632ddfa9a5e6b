import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import { enqueue } from "./enqueue.server";
import { createEffectsTable, effectJob } from "./testing/effect-job";
import { waitFor } from "./testing/helpers";

/**
 * Several runner processes on one database file (the real JobRunner in child processes, see
 * testing/worker.ts). Execution is at-least-once; the effect of each job — a row keyed by its
 * idempotency key — must exist exactly once.
 */
const root = join(import.meta.dirname, "..");
const workerEntry = join(import.meta.dirname, "testing/worker.ts");
/**
 * Worker processes commit with synchronous=NORMAL unless JOBS_TEST_SYNCHRONOUS=FULL: with an fsync
 * in every commit, three processes writing one file spend most of their time in SQLite's busy
 * wait (see testing/worker.ts). A killed process loses nothing either way.
 */
const synchronous = process.env.JOBS_TEST_SYNCHRONOUS === "FULL" ? "FULL" : "NORMAL";

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;
const children: ChildProcess[] = [];

beforeEach(async () => {
  database = await createTestDatabase();
  await database.serialized(() => database.client.execute(createEffectsTable));
});

afterEach(async () => {
  await Promise.all(children.splice(0).map(stopWorker));
  database.destroy();
});

function startWorker(workerId: string, concurrency = 10, leaseMs = 3000): Promise<ChildProcess> {
  // node itself with tsx's loader (not the tsx CLI, which runs the script in a grandchild that
  // a SIGKILL would not reach).
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      workerEntry,
      join(database.dir, "test.db"),
      workerId,
      String(concurrency),
      String(leaseMs),
      synchronous,
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, LOG_LEVEL: "silent" },
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker ${workerId} exited with ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
  });
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

async function enqueueMany(count: number, workMs = 0) {
  for (let start = 0; start < count; start += 1000) {
    await database.write(async (tx) => {
      for (let n = start; n < Math.min(count, start + 1000); n++) {
        await enqueue(tx, effectJob, { n, workMs });
      }
    });
  }
}

async function count(sql: string): Promise<number> {
  const result = await database.client.execute(sql);
  return Number(result.rows[0]!.n);
}

async function assertEachEffectOnce(jobs: number) {
  expect(await count("SELECT count(*) AS n FROM outbox WHERE state <> 'completed'")).toBe(0);
  expect(await count("SELECT count(*) AS n FROM test_effects")).toBe(jobs);
  expect(await count("SELECT count(DISTINCT n) AS n FROM test_effects")).toBe(jobs);
  const executions = await count("SELECT sum(executions) AS n FROM test_effects");
  expect(executions).toBeGreaterThanOrEqual(jobs);
  return executions;
}

describe("several runner processes on one database", () => {
  it("execute 10,000 jobs; each effect exists exactly once", async () => {
    await enqueueMany(10_000);
    await Promise.all(["w1", "w2", "w3"].map((id) => startWorker(id)));
    await waitFor(
      async () =>
        (await count("SELECT count(*) AS n FROM outbox WHERE state = 'completed'")) === 10_000,
      { timeoutMs: 40_000, intervalMs: 100, what: "10,000 completed jobs" },
    );
    await assertEachEffectOnce(10_000);
    // The work was shared: every process completed some of it.
    const perWorker = await database.client.execute(
      "SELECT worker, count(*) AS n FROM test_effects GROUP BY worker",
    );
    expect(perWorker.rows.length).toBe(3);
  }, 60_000);

  it("kill -9 in the middle of a batch, then restart: every job completes, no effect twice", async () => {
    const jobs = 2000;
    await enqueueMany(jobs, 2);
    await startWorker("victim");
    const survivor = startWorker("survivor");
    // Kill the victim while it holds claimed jobs and some of the work is done.
    await waitFor(
      async () =>
        (await count("SELECT count(*) AS n FROM test_effects")) >= 200 &&
        (await count(
          "SELECT count(*) AS n FROM outbox WHERE state = 'running' AND locked_by = 'victim'",
        )) > 0,
      { intervalMs: 2, what: "the victim mid-batch" },
    );
    children[0]!.kill("SIGKILL");
    await new Promise((resolve) => children[0]!.once("exit", resolve));
    const orphaned = await count(
      "SELECT count(*) AS n FROM outbox WHERE state = 'running' AND locked_by = 'victim'",
    );
    expect(orphaned).toBeGreaterThan(0);
    await survivor;
    await startWorker("restarted");
    await waitFor(
      async () =>
        (await count("SELECT count(*) AS n FROM outbox WHERE state = 'completed'")) === jobs,
      { timeoutMs: 40_000, intervalMs: 50, what: "every job completed after the kill" },
    );
    const executions = await assertEachEffectOnce(jobs);
    // The orphaned jobs ran again after their lease expired (their attempt counted).
    expect(await count("SELECT count(*) AS n FROM outbox WHERE attempts > 1")).toBeGreaterThan(0);
    console.log(`kill -9: ${orphaned} jobs orphaned, ${executions - jobs} re-executions absorbed`);
  }, 60_000);
});
