import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestDatabase } from "~/db/testing";
import { retryDeadJob } from "./admin.server";
import { backoffMs } from "./backoff";
import { enqueue } from "./enqueue.server";
import { httpStatusError } from "./errors";
import { defineJob, JobRegistry, type JobContext } from "./registry";
import type { JobRunner } from "./runner.server";
import { claimStatement, readyProbeStatement } from "./sql.server";
import { countJobs, jobRow, manualClock, testRunner, waitFor } from "./testing/helpers";

const work = defineJob({ kind: "work", schema: z.object({ n: z.number() }), maxAttempts: 5 });
const loan = defineJob({ kind: "create-loan", schema: z.object({ n: z.number() }), priority: 1 });
const crm = defineJob({ kind: "sync-to-crm", schema: z.object({ n: z.number() }), priority: 2 });

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;
const runners: JobRunner[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());
beforeEach(async () => {
  await database.serialized(() =>
    database.client.batch(["DELETE FROM outbox", "DELETE FROM outbox_rate_limits"], "write"),
  );
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop({ graceMs: 500 })));
});

function start(registry: JobRegistry, options: Parameters<typeof testRunner>[2] = {}) {
  const runner = testRunner(database, registry, options).start();
  runners.push(runner);
  return runner;
}

function add(
  job: typeof work,
  payload: { n: number },
  options: Parameters<typeof enqueue>[3] = {},
) {
  return database.write((tx) => enqueue(tx, job, payload, options)).then((r) => r.id);
}

const stateIs = (id: number, state: string) => async () =>
  (await jobRow(database, id))?.state === state;

describe("JobRunner", () => {
  it("runs a job once and completes it, with a stable idempotency key and the attempt number", async () => {
    const seen: Pick<JobContext, "idempotencyKey" | "attempt" | "jobId">[] = [];
    start(
      new JobRegistry().handle(work, async (_payload, ctx) => {
        seen.push({ idempotencyKey: ctx.idempotencyKey, attempt: ctx.attempt, jobId: ctx.jobId });
      }),
    );
    const id = await add(work, { n: 1 });
    await waitFor(stateIs(id, "completed"));
    const row = await jobRow(database, id);
    expect(row).toMatchObject({ attempts: 1, lockedBy: null, lastError: null });
    expect(row?.completedAt).toBeGreaterThan(0);
    expect(seen).toEqual([
      { idempotencyKey: expect.stringMatching(/^flowpay-job-/), attempt: 1, jobId: id },
    ]);
  });

  it("runs higher priorities first: create-loan, then sync-to-crm, then notifications", async () => {
    const order: string[] = [];
    const record = (name: string) => async (payload: { n: number }) => {
      order.push(`${name}${payload.n}`);
    };
    const ids = await database.write(async (tx) => [
      await enqueue(tx, work, { n: 1 }),
      await enqueue(tx, crm, { n: 1 }),
      await enqueue(tx, loan, { n: 1 }),
      await enqueue(tx, work, { n: 2 }),
      await enqueue(tx, loan, { n: 2 }),
      await enqueue(tx, crm, { n: 2 }),
    ]);
    start(
      new JobRegistry()
        .handle(work, record("work"))
        .handle(loan, record("loan"))
        .handle(crm, record("crm")),
      { concurrency: 1 },
    );
    await waitFor(async () => (await countJobs(database, "state = 'completed'")) === ids.length);
    expect(order).toEqual(["loan1", "loan2", "crm1", "crm2", "work1", "work2"]);
  });

  it("never runs more jobs at once than its concurrency", async () => {
    let running = 0;
    let peak = 0;
    start(
      new JobRegistry().handle(work, async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(15);
        running--;
      }),
      { concurrency: 3 },
    );
    await database.write(async (tx) => {
      for (let n = 0; n < 15; n++) await enqueue(tx, work, { n });
    });
    await waitFor(async () => (await countJobs(database, "state = 'completed'")) === 15);
    expect(peak).toBe(3);
  });

  it("retries a transient failure with persisted exponential backoff, then succeeds", async () => {
    const clock = manualClock();
    const failures = 3;
    const attempts: number[] = [];
    const keys = new Set<string>();
    start(
      new JobRegistry().handle(work, async (_payload, ctx) => {
        attempts.push(ctx.attempt);
        keys.add(ctx.idempotencyKey);
        if (ctx.attempt <= failures) throw new Error(`lender unavailable (${ctx.attempt})`);
      }),
      { clock: clock.now, random: () => 0.5 },
    );
    const id = await add(work, { n: 1 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= failures; attempt++) {
      await waitFor(async () => {
        const row = await jobRow(database, id);
        return row?.state === "pending" && row.attempts === attempt;
      });
      const row = (await jobRow(database, id))!;
      expect(row.lastError).toBe(`lender unavailable (${attempt})`);
      delays.push(row.runAt - row.updatedAt);
      clock.advance(row.runAt - row.updatedAt);
    }
    await waitFor(stateIs(id, "completed"));
    expect(delays).toEqual([
      backoffMs(1, () => 0.5),
      backoffMs(2, () => 0.5),
      backoffMs(3, () => 0.5),
    ]);
    expect(delays).toEqual([2718, 7389, 20086]);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(keys.size).toBe(1);
    expect(await jobRow(database, id)).toMatchObject({ attempts: 4, lastError: null });
  });

  it("does not run a retry before its backoff has passed", async () => {
    const clock = manualClock();
    let calls = 0;
    const runner = start(
      new JobRegistry().handle(work, async () => {
        calls++;
        throw new Error("flaky");
      }),
      { clock: clock.now, random: () => 0.5 },
    );
    const id = await add(work, { n: 1 });
    await waitFor(async () => (await jobRow(database, id))?.attempts === 1 && calls === 1);
    await waitFor(stateIs(id, "pending"));
    // Many polls later (the clock has not moved), the job is still waiting.
    const rounds = runner.status.lastRoundAt;
    await waitFor(() => runner.status.lastRoundAt > rounds);
    await sleep(200);
    expect(calls).toBe(1);
    clock.advance(2718);
    await waitFor(() => calls === 2);
  });

  it("sends a permanent error (a partner's 4xx) straight to the dead letters; retry from there works", async () => {
    let fail = true;
    start(
      new JobRegistry().handle(work, async () => {
        if (fail) throw httpStatusError(422, "lender rejected the application");
      }),
    );
    const id = await add(work, { n: 1 });
    await waitFor(stateIs(id, "dead"));
    expect(await jobRow(database, id)).toMatchObject({
      attempts: 1,
      lastError: "PermanentError: lender rejected the application (HTTP 422)",
      lockedBy: null,
    });
    fail = false;
    await retryDeadJob(database, id, { actorType: "cli", actorId: "test" });
    await waitFor(stateIs(id, "completed"));
    expect(await jobRow(database, id)).toMatchObject({ attempts: 1 });
  });

  it("sends a job that exhausts its attempts to the dead letters with its last error", async () => {
    const clock = manualClock();
    start(
      new JobRegistry().handle(work, async (_payload, ctx) => {
        throw new Error(`still down (attempt ${ctx.attempt})`);
      }),
      { clock: clock.now },
    );
    const id = await add(work, { n: 1 }, { maxAttempts: 3 });
    for (let attempt = 1; attempt < 3; attempt++) {
      await waitFor(async () => (await jobRow(database, id))?.attempts === attempt);
      await waitFor(stateIs(id, "pending"));
      clock.advance(10 * 3600_000);
    }
    await waitFor(stateIs(id, "dead"));
    expect(await jobRow(database, id)).toMatchObject({
      attempts: 3,
      lastError: "still down (attempt 3)",
    });
  });

  it("treats a payload that no longer matches its schema as permanent", async () => {
    start(new JobRegistry().handle(work, async () => {}));
    await database.serialized(() =>
      database.client.execute({
        sql: `INSERT INTO outbox (kind, payload, priority, run_at, created_at, updated_at)
              VALUES ('work', '{"n":"not a number"}', 3, 0, 0, 0)`,
      }),
    );
    await waitFor(async () => (await countJobs(database, "state = 'dead'")) === 1);
  });

  it("aborts a job at its timeout and retries it later", async () => {
    const slow = defineJob({ kind: "slow", schema: z.object({}), timeoutMs: 50 });
    let aborted: unknown;
    start(
      new JobRegistry().handle(slow, async (_payload, ctx) => {
        await new Promise<void>((_, reject) =>
          ctx.signal.addEventListener("abort", () => {
            aborted = ctx.signal.reason;
            reject(new Error("request aborted"));
          }),
        );
      }),
    );
    const id = await database.write((tx) => enqueue(tx, slow, {})).then((r) => r.id);
    await waitFor(
      async () => (await jobRow(database, id))?.attempts === 1 && aborted !== undefined,
    );
    await waitFor(stateIs(id, "pending"));
    expect((aborted as Error).name).toBe("JobTimeoutError");
    expect((await jobRow(database, id))?.lastError).toBe("JobTimeoutError: timed out after 50 ms");
  });

  it("executes only the kinds it handles", async () => {
    const other = defineJob({ kind: "other", schema: z.object({}) });
    const runner = start(new JobRegistry().handle(work, async () => {}));
    const otherId = await database.write((tx) => enqueue(tx, other, {})).then((r) => r.id);
    const workId = await add(work, { n: 1 });
    await waitFor(stateIs(workId, "completed"));
    const rounds = runner.status.lastRoundAt;
    await waitFor(() => runner.status.lastRoundAt > rounds);
    expect(await jobRow(database, otherId)).toMatchObject({ state: "pending", attempts: 0 });
  });

  describe("leases", () => {
    async function orphan(id: number, attempts: number) {
      await database.serialized(() =>
        database.client.execute({
          sql: `UPDATE outbox SET state = 'running', attempts = ?, locked_by = 'crashed-worker',
                  locked_until = ? WHERE id = ?`,
          args: [attempts, Date.now() - 1, id],
        }),
      );
    }

    it("reclaims a crashed process's jobs once their lease has expired", async () => {
      const ids = [await add(work, { n: 1 }), await add(work, { n: 2 }, { maxAttempts: 2 })];
      await orphan(ids[0]!, 1);
      await orphan(ids[1]!, 2); // its last attempt died with the process
      start(
        new JobRegistry().handle(work, async () => {}),
        { sweepIntervalMs: 50 },
      );
      await waitFor(stateIs(ids[0]!, "completed"));
      expect(await jobRow(database, ids[0]!)).toMatchObject({ attempts: 2 });
      await waitFor(stateIs(ids[1]!, "dead"));
      expect((await jobRow(database, ids[1]!))?.lastError).toBe(
        "lease expired: worker crashed-worker did not finish",
      );
    });

    it("leaves a live lease alone", async () => {
      const id = await add(work, { n: 1 });
      await database.serialized(() =>
        database.client.execute({
          sql: "UPDATE outbox SET state = 'running', attempts = 1, locked_by = 'alive', locked_until = ? WHERE id = ?",
          args: [Date.now() + 60_000, id],
        }),
      );
      const runner = start(
        new JobRegistry().handle(work, async () => {}),
        { sweepIntervalMs: 20 },
      );
      const rounds = runner.status.lastRoundAt;
      await waitFor(() => runner.status.lastRoundAt > rounds + 100);
      expect(await jobRow(database, id)).toMatchObject({ state: "running", lockedBy: "alive" });
    });

    it("fences completion on the claiming worker: a job whose lease was taken over is not completed twice", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      start(
        new JobRegistry().handle(work, () => gate),
        { workerId: "first" },
      );
      const id = await add(work, { n: 1 });
      await waitFor(stateIs(id, "running"));
      // Meanwhile another worker took the job over (its lease had expired, say).
      await database.serialized(() =>
        database.client.execute({
          sql: "UPDATE outbox SET locked_by = 'second' WHERE id = ?",
          args: [id],
        }),
      );
      release();
      await waitFor(() => runners[0]!.status.running === 0);
      const rounds = runners[0]!.status.lastRoundAt;
      await waitFor(() => runners[0]!.status.lastRoundAt > rounds);
      expect(await jobRow(database, id)).toMatchObject({ state: "running", lockedBy: "second" });
    });
  });

  describe("shutdown", () => {
    it("lets running jobs finish within the grace period", async () => {
      let started = false;
      start(
        new JobRegistry().handle(work, () => {
          started = true;
          return sleep(150).then(() => {});
        }),
      );
      const id = await add(work, { n: 1 });
      // The handler itself, not the row: a row is "running" from its claim's commit, and a stop
      // that lands before the runner has read that claim's answer rightly gives the job back.
      await waitFor(() => started);
      await runners[0]!.stop({ graceMs: 5000 });
      expect(await jobRow(database, id)).toMatchObject({ state: "completed" });
    });

    it("aborts what is still running after the grace period and releases it, and every buffered job, for retry", async () => {
      const started: number[] = [];
      const fast = defineJob({ kind: "fast", schema: z.object({}) });
      const runner = start(
        new JobRegistry()
          .handle(fast, async () => {})
          .handle(work, async (payload, ctx) => {
            started.push(payload.n);
            await new Promise((_, reject) =>
              ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
            );
          }),
        { concurrency: 2, batchSize: 20 },
      );
      // Teach the runner that jobs are fast, so it buffers beyond its two slots.
      await database.write(async (tx) => {
        for (let n = 0; n < 20; n++) await enqueue(tx, fast, {});
      });
      await waitFor(async () => (await countJobs(database, "state = 'completed'")) === 20);
      await database.write(async (tx) => {
        for (let n = 0; n < 10; n++) await enqueue(tx, work, { n });
      });
      await waitFor(() => started.length === 2);
      await waitFor(() => runner.status.buffered > 0);
      await runner.stop({ graceMs: 200 });
      expect(runner.status.state).toBe("stopped");
      expect(await countJobs(database, "kind = 'work' AND state = 'running'")).toBe(0);
      // Interrupted and never-started jobs are pending again, with no attempt used up.
      expect(
        await countJobs(database, "kind = 'work' AND state = 'pending' AND attempts = 0"),
      ).toBe(10);
    });

    it("stops claiming: jobs enqueued after stop stay pending", async () => {
      const runner = start(new JobRegistry().handle(work, async () => {}));
      await runner.stop();
      const id = await add(work, { n: 1 });
      await sleep(100);
      expect(await jobRow(database, id)).toMatchObject({ state: "pending" });
    });

    it("reports not ready once stopped", async () => {
      const runner = start(new JobRegistry().handle(work, async () => {}));
      expect(runner.readiness()).toMatchObject({ ok: true });
      await runner.stop();
      expect(runner.readiness()).toEqual({ ok: false, detail: "job runner stopped" });
    });
  });

  describe("rate limits", () => {
    const lender = defineJob({
      kind: "lender-call",
      schema: z.object({ n: z.number() }),
      rateLimit: { max: 3, perMs: 60_000 },
    });

    it("hold every process together to the kind's budget per window", async () => {
      const clock = manualClock();
      // Start in a fresh window so the test cannot straddle two.
      clock.advance(60_000 - (clock.now() % 60_000) + 10);
      const ran: number[] = [];
      const registry = () =>
        new JobRegistry().handle(lender, async (payload) => {
          ran.push(payload.n);
        });
      const first = start(registry(), { clock: clock.now, workerId: "a" });
      const second = start(registry(), { clock: clock.now, workerId: "b" });
      await database.write(async (tx) => {
        for (let n = 0; n < 8; n++) await enqueue(tx, lender, { n });
      });
      await waitFor(async () => (await countJobs(database, "state = 'completed'")) === 3);
      const rounds = [first.status.lastRoundAt, second.status.lastRoundAt];
      await waitFor(
        () =>
          first.status.lastRoundAt > rounds[0]! + 100 &&
          second.status.lastRoundAt > rounds[1]! + 100,
      );
      expect(ran.length).toBe(3);
      expect(await countJobs(database, "state = 'pending'")).toBe(5);
      clock.advance(60_000);
      await waitFor(async () => (await countJobs(database, "state = 'completed'")) === 6);
      clock.advance(60_000);
      await waitFor(async () => (await countJobs(database, "state = 'completed'")) === 8);
      expect(ran.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it("leave other kinds unthrottled", async () => {
      const clock = manualClock();
      clock.advance(60_000 - (clock.now() % 60_000) + 10);
      const ran: string[] = [];
      start(
        new JobRegistry()
          .handle(lender, async () => {
            ran.push("lender");
          })
          .handle(work, async () => {
            ran.push("work");
          }),
        { clock: clock.now },
      );
      await database.write(async (tx) => {
        for (let n = 0; n < 5; n++) await enqueue(tx, lender, { n });
        for (let n = 0; n < 20; n++) await enqueue(tx, work, { n });
      });
      await waitFor(() => ran.filter((k) => k === "work").length === 20);
      await waitFor(() => ran.filter((k) => k === "lender").length === 3);
      expect(await countJobs(database, "kind = 'lender-call' AND state = 'pending'")).toBe(2);
    });
  });

  it("prunes completed jobs older than the retention, and only those", async () => {
    const clock = manualClock();
    const ids = [await add(work, { n: 1 }), await add(work, { n: 2 })];
    await database.serialized(() =>
      database.client.execute({
        sql: "UPDATE outbox SET state = 'completed', completed_at = ? WHERE id = ?",
        args: [Date.now() - 2 * 3600_000, ids[0]!],
      }),
    );
    await database.serialized(() =>
      database.client.execute({
        sql: "UPDATE outbox SET state = 'dead', updated_at = 0 WHERE id = ?",
        args: [ids[1]!],
      }),
    );
    start(
      new JobRegistry().handle(work, async () => {}),
      {
        clock: clock.now,
        retentionMs: 3600_000,
        pruneIntervalMs: 10,
      },
    );
    const fresh = await add(work, { n: 3 });
    await waitFor(stateIs(fresh, "completed"));
    await waitFor(async () => (await jobRow(database, ids[0]!)) === undefined);
    expect(await jobRow(database, ids[1]!)).toMatchObject({ state: "dead" });
    expect(await jobRow(database, fresh)).toMatchObject({ state: "completed" });
  });

  it("claims kind by kind through the ready index, whatever else is completed or waiting", async () => {
    // 50,000 completed rows and 20,000 pending rows of another kind (texts held back by their
    // rate limit, say): neither may be walked through to find "work" and "other".
    await database.serialized(() =>
      database.client.execute(`
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 70000)
        INSERT INTO outbox (kind, payload, priority, state, run_at, attempts, created_at, updated_at, completed_at)
        SELECT CASE WHEN i <= 50000 THEN 'work' ELSE 'held' END, '{"n":0}', 1,
               CASE WHEN i <= 50000 THEN 'completed' ELSE 'pending' END, 0, 1, 0, 0, 1 FROM n`),
    );
    await database.serialized(() => database.client.execute("ANALYZE"));
    const args = { workerId: "w", now: Date.now(), leaseMs: 1000, limit: 10 };
    for (const statement of [
      claimStatement(["work", "other"], args),
      readyProbeStatement(["work", "other"], args.now),
    ]) {
      const plan = await database.client.execute({
        sql: `EXPLAIN QUERY PLAN ${statement.sql}`,
        args: statement.args,
      });
      const details = plan.rows.map((row) => String(row.detail)).join("\n");
      // Indexed searches by kind, never a scan of the table or of the whole index, nor (after
      // ANALYZE) a skip-scan over every kind.
      expect(details).toMatch(/SEARCH outbox USING COVERING INDEX outbox_ready_idx \(kind=\?\)/);
      expect(details).not.toMatch(/SCAN outbox|ANY\(kind\)/);
    }
    await database.serialized(() =>
      database.client.execute("DELETE FROM outbox WHERE kind = 'held'"),
    );
  });
});
