import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestDatabase } from "~/db/testing";
import {
  discardDeadJob,
  JobKeyConflictError,
  JobNotFoundError,
  listDeadJobs,
  pruneCompletedJobs,
  queueStats,
  retryDeadJob,
} from "./admin.server";
import { enqueue } from "./enqueue.server";
import { defineJob } from "./registry";
import { countJobs, jobRow } from "./testing/helpers";

const smsJob = defineJob({ kind: "send-sms", schema: z.object({ to: z.string() }) });
const crmJob = defineJob({
  kind: "sync-to-crm",
  schema: z.object({ app: z.string() }),
  priority: 2,
});
const actor = { actorType: "cli" as const, actorId: "ops-alice" };

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());
beforeEach(async () => {
  await database.serialized(() => database.client.execute("DELETE FROM outbox"));
});

function add(job: typeof smsJob | typeof crmJob, key?: string) {
  return database
    .write((tx) =>
      job === smsJob
        ? enqueue(tx, smsJob, { to: "+15550100" }, { key })
        : enqueue(tx, crmJob, { app: "app_1" }, { key }),
    )
    .then((r) => r.id);
}

async function setState(id: number, state: string, extra = "") {
  await database.serialized(() =>
    database.client.execute({
      sql: `UPDATE outbox SET state = ?, attempts = 5, last_error = 'HTTP 422', updated_at = 1000 ${extra} WHERE id = ?`,
      args: [state, id],
    }),
  );
}

async function auditActions() {
  const result = await database.client.execute(
    "SELECT action, actor_id, entity_id FROM audit_logs WHERE entity_type = 'job' ORDER BY id",
  );
  return result.rows.map((r) => `${r.action} ${r.actor_id} ${r.entity_id}`);
}

describe("queueStats", () => {
  it("counts jobs per kind and state, and how long the oldest ready job has waited", async () => {
    const a = await add(smsJob);
    await add(smsJob);
    const c = await add(crmJob);
    const d = await add(crmJob);
    await setState(a, "dead");
    await setState(c, "completed", ", completed_at = 1");
    await setState(d, "running");
    const stats = await queueStats(database);
    expect(stats.kinds).toEqual([
      { kind: "send-sms", pending: 1, ready: 1, running: 0, dead: 1, completed: 0 },
      { kind: "sync-to-crm", pending: 0, ready: 0, running: 1, dead: 0, completed: 1 },
    ]);
    expect(stats.totals).toEqual({ pending: 1, ready: 1, running: 1, dead: 1, completed: 1 });
    expect(stats.oldestReadyMs).toBeGreaterThanOrEqual(0);
  });
});

describe("dead letters", () => {
  it("lists dead jobs newest first, by kind, paged, payload only on request", async () => {
    const ids = [await add(smsJob), await add(crmJob), await add(smsJob), await add(smsJob)];
    for (const id of ids.slice(0, 3)) await setState(id, "dead");
    const all = await listDeadJobs(database);
    expect(all.map((j) => j.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(all[0]).toMatchObject({
      kind: "send-sms",
      attempts: 5,
      lastError: "HTTP 422",
      diedAt: 1000,
    });
    expect(all[0]).not.toHaveProperty("payload");
    expect((await listDeadJobs(database, { kind: "sync-to-crm" })).map((j) => j.id)).toEqual([
      ids[1],
    ]);
    expect((await listDeadJobs(database, { limit: 1, beforeId: ids[2] })).map((j) => j.id)).toEqual(
      [ids[1]],
    );
    expect((await listDeadJobs(database, { includePayload: true }))[0]?.payload).toEqual({
      to: "+15550100",
    });
  });

  it("retries a dead job: pending now, attempts reset, audited", async () => {
    const id = await add(smsJob);
    await setState(id, "dead");
    expect(await retryDeadJob(database, id, actor)).toEqual({ id, kind: "send-sms" });
    const row = await jobRow(database, id);
    expect(row).toMatchObject({ state: "pending", attempts: 0, lockedBy: null });
    expect(row!.runAt).toBeLessThanOrEqual(Date.now());
    expect(await auditActions()).toContain(`job.dead.retry ops-alice ${id}`);
  });

  it("refuses to retry what is not a dead job", async () => {
    const id = await add(smsJob);
    await expect(retryDeadJob(database, id, actor)).rejects.toThrow(JobNotFoundError);
    await expect(retryDeadJob(database, 999_999, actor)).rejects.toThrow(
      /No dead job with id 999999/,
    );
    expect(new JobNotFoundError("x").name).toBe("NotFoundError");
  });

  it("refuses to retry a dead job whose key another pending job now holds", async () => {
    const dead = await add(crmJob, "app_1");
    await setState(dead, "dead");
    const holder = await add(crmJob, "app_1");
    const error = await retryDeadJob(database, dead, actor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobKeyConflictError);
    expect((error as Error).message).toContain(`Job ${holder} already holds`);
    expect((await jobRow(database, dead))?.state).toBe("dead");
  });

  it("discards a dead job for good, audited", async () => {
    const id = await add(smsJob);
    await setState(id, "dead");
    expect(await discardDeadJob(database, id, actor)).toEqual({ id, kind: "send-sms" });
    expect(await jobRow(database, id)).toBeUndefined();
    expect(await auditActions()).toContain(`job.dead.discard ops-alice ${id}`);
    await expect(discardDeadJob(database, id, actor)).rejects.toThrow(JobNotFoundError);
  });
});

describe("pruneCompletedJobs", () => {
  it("deletes completed jobs finished before the cutoff, in chunks, and nothing else", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push(await add(smsJob));
    for (const id of ids.slice(0, 5)) await setState(id, "completed", ", completed_at = 100");
    await setState(ids[5]!, "completed", ", completed_at = 5000");
    await setState(ids[6]!, "dead");
    await add(smsJob); // pending
    expect(await pruneCompletedJobs(database, { before: 1000, chunkSize: 2 })).toBe(5);
    expect(await countJobs(database, "state = 'completed'")).toBe(1);
    expect(await countJobs(database, "state = 'dead'")).toBe(1);
    expect(await countJobs(database, "state = 'pending'")).toBe(1);
    expect(await pruneCompletedJobs(database, { before: 1000 })).toBe(0);
  });
});
