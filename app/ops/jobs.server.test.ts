import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { auditLogs } from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import { enqueue } from "~/jobs/enqueue.server";
import { defineJob } from "~/jobs/registry";
import { discardJob, JobActionError, loadJobsMonitor, retryJob, retryOutcome } from "./jobs.server";
import type { OperatorActor } from "./rules.server";

const smsJob = defineJob({ kind: "send-sms", schema: z.object({ messageId: z.string() }) });
const actor: OperatorActor = {
  actorType: "operator",
  actorId: "op_jobs",
  ip: "203.0.113.50",
  userAgent: "vitest",
};

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());
beforeEach(async () => {
  await database.serialized(() => database.client.execute("DELETE FROM outbox"));
});

async function job(state: "pending" | "running" | "dead", key?: string) {
  const { id } = await database.write((tx) =>
    enqueue(tx, smsJob, { messageId: `msg_${Math.random()}` }, { key }),
  );
  if (state !== "pending") {
    await database.serialized(() =>
      database.client.execute({
        sql: `UPDATE outbox SET state = ?, attempts = 3, last_error = 'Twilio 21610: unsubscribed',
                locked_by = CASE WHEN ? = 'running' THEN 'worker-1' END,
                locked_until = CASE WHEN ? = 'running' THEN 9999999999999 END,
                updated_at = 1700000000000 WHERE id = ?`,
        args: [state, state, state, id],
      }),
    );
  }
  return id;
}

describe("the jobs monitor", () => {
  it("shows depth by kind and state, the running jobs and the dead ones with their error", async () => {
    await job("pending");
    const running = await job("running");
    const dead = await job("dead");
    const monitor = await loadJobsMonitor(database);
    expect(monitor.stats.kinds).toEqual([
      { kind: "send-sms", pending: 1, ready: 1, running: 1, dead: 1, completed: 0 },
    ]);
    expect(monitor.running).toEqual([
      {
        id: running,
        kind: "send-sms",
        attempts: 3,
        maxAttempts: 5,
        lockedBy: "worker-1",
        lockedUntil: 9999999999999,
        claimedAt: 1700000000000,
      },
    ]);
    expect(monitor.dead).toMatchObject([
      { id: dead, kind: "send-sms", lastError: "Twilio 21610: unsubscribed", attempts: 3 },
    ]);
    expect(monitor.dead[0]).not.toHaveProperty("payload");
    expect(monitor.nextBeforeId).toBeNull();
    expect((await loadJobsMonitor(database, { kind: "send-email" })).dead).toEqual([]);
  });

  it("pages the dead letters", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 51; i++) ids.push(await job("dead"));
    const first = await loadJobsMonitor(database);
    expect(first.dead).toHaveLength(50);
    expect(first.dead[0]!.id).toBe(ids.at(-1));
    expect(first.nextBeforeId).toBe(ids[1]);
    const second = await loadJobsMonitor(database, { beforeId: first.nextBeforeId! });
    expect(second.dead.map((row) => row.id)).toEqual([ids[0]]);
  });

  it("retries and discards dead jobs, audited with the operator's address and agent", async () => {
    const dead = await job("dead");
    const other = await job("dead");
    await retryJob(database, dead, actor);
    const monitor = await loadJobsMonitor(database);
    expect(monitor.dead.map((row) => row.id)).toEqual([other]);
    expect(monitor.stats.totals.pending).toBe(1);
    await discardJob(database, other, actor);
    expect((await loadJobsMonitor(database)).dead).toEqual([]);
    const entries = await database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.actorId, "op_jobs"));
    expect(entries.map((e) => [e.action, e.entityId, e.ip, e.userAgent])).toEqual([
      ["job.dead.retry", String(dead), "203.0.113.50", "vitest"],
      ["job.dead.discard", String(other), "203.0.113.50", "vitest"],
    ]);
  });

  it("explains a refusal: no such dead job, or its key held by another job", async () => {
    const error = await retryJob(database, 424242, actor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobActionError);
    expect((error as Error).message).toBe("No dead job with id 424242");
    const dead = await job("dead", "msg-1");
    await job("pending", "msg-1");
    const conflict = await retryJob(database, dead, actor).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(JobActionError);
    expect((conflict as Error).message).toMatch(/already holds the key/);
  });

  it("says what became of a retried job: queued, failed again with its new error, or done", async () => {
    const dead = await job("dead");
    await retryJob(database, dead, actor);
    // Queued: the old error is not the retry's.
    expect(await retryOutcome(database, dead)).toEqual({
      message: `Job ${dead} is queued again with a fresh set of attempts.`,
      error: null,
    });
    // The worker's failure as it records it: one attempt made, the new error, pending again.
    const fail = (state: string, attempts: number, error: string) =>
      database.serialized(() =>
        database.client.execute({
          sql: `UPDATE outbox SET state = ?, attempts = ?, last_error = ? WHERE id = ?`,
          args: [state, attempts, error, dead],
        }),
      );
    await fail("pending", 1, "Twilio 30003: unreachable handset");
    expect(await retryOutcome(database, dead)).toEqual({
      message: `Job ${dead} was retried and failed again (attempt 1 of 5); it will try again.`,
      error: "Twilio 30003: unreachable handset",
    });
    await fail("dead", 5, "Twilio 30005: unknown handset");
    expect(await retryOutcome(database, dead)).toEqual({
      message: `Job ${dead} was retried and failed again (5 of 5 attempts): it is dead again.`,
      error: "Twilio 30005: unknown handset",
    });
    await fail("completed", 1, "Twilio 30005: unknown handset");
    expect((await retryOutcome(database, dead)).message).toBe(
      `Job ${dead} was retried and completed.`,
    );
    expect((await retryOutcome(database, 777_777)).message).toMatch(/no longer in the queue/);
  });
});
