import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestDatabase } from "~/db/testing";
import { metrics } from "~/app/observability/metrics.server";
import { enqueue } from "./enqueue.server";
import { PermanentError } from "./errors";
import { queueDepth } from "./metrics.server";
import { defineJob, JobRegistry } from "./registry";
import { countJobs, testRunner, waitFor } from "./testing/helpers";

const job = defineJob({ kind: "metric-probe", schema: z.object({ fail: z.boolean() }) });

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

describe("job metrics on /metrics", () => {
  it("report queue depth by kind and state, dead letters, durations, attempts and the runner's state", async () => {
    const runner = testRunner(
      database,
      new JobRegistry().handle(job, async ({ fail }) => {
        if (fail) throw new PermanentError("refused");
      }),
      { metrics: true },
    ).start();
    await database.write(async (tx) => {
      await enqueue(tx, job, { fail: false });
      await enqueue(tx, job, { fail: true });
      await enqueue(tx, job, { fail: false }, { runAt: Date.now() + 3600_000 });
    });
    await waitFor(async () => (await countJobs(database, "state IN ('completed', 'dead')")) === 2);

    expect(await queueDepth(database)).toEqual(
      expect.arrayContaining([
        { kind: "metric-probe", state: "pending", n: 1 },
        { kind: "metric-probe", state: "dead", n: 1 },
      ]),
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('jobs_queue_depth{kind="metric-probe",state="pending"} 1');
    expect(text).toContain('jobs_queue_depth{kind="metric-probe",state="dead"} 1');
    expect(text).toContain("jobs_dead_letter_count 1");
    expect(text).toContain('job_attempts_total{kind="metric-probe",outcome="completed"} 1');
    expect(text).toContain('job_attempts_total{kind="metric-probe",outcome="dead"} 1');
    expect(text).toMatch(/job_duration_seconds_count\{kind="metric-probe",outcome="completed"\} 1/);
    expect(text).toMatch(/job_claim_duration_seconds_count \d+/);
    expect(text).toContain("job_runner_up 1");

    await runner.stop();
    expect(await metrics.registry.metrics()).toContain("job_runner_up 0");
  });
});
