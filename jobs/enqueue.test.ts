import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { sql } from "drizzle-orm";
import { createTestDatabase } from "~/db/testing";
import Sqlite from "libsql";
import { enqueue, enqueueSteps } from "./enqueue.server";
import { JobPayloadError } from "./errors";
import { defineJob, JobRegistry } from "./registry";
import { countJobs, jobRow, testRunner, waitFor } from "./testing/helpers";

const emailJob = defineJob({
  kind: "send-email",
  schema: z.object({ to: z.email(), template: z.string() }),
  maxAttempts: 3,
});
const crmJob = defineJob({
  kind: "sync-to-crm",
  schema: z.object({ app: z.string() }),
  priority: 2,
});

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.serialized(() =>
    database.client.execute("CREATE TABLE business_changes (id INTEGER PRIMARY KEY, note TEXT)"),
  );
});
afterAll(() => database.destroy());
beforeEach(async () => {
  await database.serialized(() =>
    database.client.batch(["DELETE FROM outbox", "DELETE FROM business_changes"], "write"),
  );
});

describe("enqueue", () => {
  it("runs only inside a write transaction", async () => {
    await expect(
      enqueue(database.db as never, emailJob, { to: "a@example.com", template: "welcome" }),
    ).rejects.toThrow(/inside a write transaction/);
    expect(await countJobs(database)).toBe(0);
  });

  it("stores a validated payload with the kind's priority and attempts", async () => {
    const { id } = await database.write((tx) =>
      enqueue(tx, emailJob, { to: "a@example.com", template: "welcome" }),
    );
    const row = await jobRow(database, id);
    expect(row).toMatchObject({
      kind: "send-email",
      state: "pending",
      priority: 3,
      maxAttempts: 3,
      attempts: 0,
      payload: { to: "a@example.com", template: "welcome" },
    });
  });

  it("takes priority, runAt and maxAttempts overrides", async () => {
    const runAt = new Date(Date.now() + 3600_000);
    const { id } = await database.write((tx) =>
      enqueue(tx, crmJob, { app: "app_1" }, { priority: 1, runAt, maxAttempts: 9 }),
    );
    expect(await jobRow(database, id)).toMatchObject({
      priority: 1,
      runAt: runAt.getTime(),
      maxAttempts: 9,
    });
  });

  it("rejects a payload its schema refuses, failing the caller's transaction", async () => {
    await expect(
      database.write(async (tx) => {
        await tx.run(sql`INSERT INTO business_changes (note) VALUES ('application approved')`);
        await enqueue(tx, emailJob, { to: "not-an-email", template: "welcome" });
      }),
    ).rejects.toThrow(JobPayloadError);
    expect(await countJobs(database)).toBe(0);
    const changes = await database.client.execute("SELECT count(*) AS n FROM business_changes");
    expect(Number(changes.rows[0]!.n)).toBe(0);
  });

  it("leaves no job when the business transaction rolls back — and nothing runs", async () => {
    const ran: unknown[] = [];
    const registry = new JobRegistry().handle(emailJob, async (payload) => {
      ran.push(payload);
    });
    const runner = testRunner(database, registry).start();
    try {
      await expect(
        database.write(async (tx) => {
          await tx.run(sql`INSERT INTO business_changes (note) VALUES ('loan funded')`);
          await enqueue(tx, emailJob, { to: "a@example.com", template: "funded" });
          throw new Error("the business rule failed after the enqueue");
        }),
      ).rejects.toThrow(/business rule failed/);
      expect(await countJobs(database)).toBe(0);
      // The committed twin of that transaction runs: the runner was listening.
      await database.write(async (tx) => {
        await tx.run(sql`INSERT INTO business_changes (note) VALUES ('loan funded')`);
        await enqueue(tx, emailJob, { to: "b@example.com", template: "funded" });
      });
      await waitFor(() => ran.length === 1);
      expect(ran).toEqual([{ to: "b@example.com", template: "funded" }]);
    } finally {
      await runner.stop();
    }
  });

  it("nudges the runner of this process right after the commit (no poll needed)", async () => {
    const ran: string[] = [];
    const registry = new JobRegistry().handle(emailJob, async (payload) => {
      ran.push(payload.to);
    });
    const runner = testRunner(database, registry, { pollIntervalMs: 600_000 }).start();
    try {
      await waitFor(() => runner.status.lastRoundAt > 0);
      await new Promise((resolve) => setTimeout(resolve, 50)); // let it go idle
      await database.write((tx) => enqueue(tx, emailJob, { to: "c@example.com", template: "x" }));
      await waitFor(() => ran.length === 1, { timeoutMs: 5000 });
    } finally {
      await runner.stop();
    }
  });

  describe("job keys", () => {
    it("replace a pending job with the same key (a new row, so a new idempotency key)", async () => {
      const first = await database.write((tx) =>
        enqueue(tx, crmJob, { app: "v1" }, { key: "app_1" }),
      );
      const second = await database.write((tx) =>
        enqueue(tx, crmJob, { app: "v2" }, { key: "app_1" }),
      );
      expect(second.deduped).toBe(false);
      expect(second.id).not.toBe(first.id);
      expect(await jobRow(database, first.id)).toBeUndefined();
      expect(await jobRow(database, second.id)).toMatchObject({
        key: "sync-to-crm:app_1",
        payload: { app: "v2" },
      });
    });

    it("dedupe: keep the pending job and report it", async () => {
      const first = await database.write((tx) =>
        enqueue(tx, crmJob, { app: "v1" }, { key: "app_2", keyMode: "dedupe" }),
      );
      const second = await database.write((tx) =>
        enqueue(tx, crmJob, { app: "v2" }, { key: "app_2", keyMode: "dedupe" }),
      );
      expect(second).toEqual({ id: first.id, deduped: true });
      expect(await countJobs(database)).toBe(1);
      expect((await jobRow(database, first.id))?.payload).toEqual({ app: "v1" });
    });

    it("are scoped to their kind", async () => {
      await database.write(async (tx) => {
        await enqueue(tx, crmJob, { app: "a" }, { key: "app_3" });
        await enqueue(tx, emailJob, { to: "a@example.com", template: "t" }, { key: "app_3" });
      });
      expect(await countJobs(database, "state = 'pending'")).toBe(2);
    });

    it("leave a running job alone: it finishes, the new job waits its turn", async () => {
      const first = await database.write((tx) =>
        enqueue(tx, crmJob, { app: "v1" }, { key: "app_4" }),
      );
      await database.serialized(() =>
        database.client.execute({
          sql: "UPDATE outbox SET state = 'running', locked_by = 'w', locked_until = ? WHERE id = ?",
          args: [Date.now() + 60_000, first.id],
        }),
      );
      const second = await database.write((tx) =>
        enqueue(tx, crmJob, { app: "v2" }, { key: "app_4", keyMode: "dedupe" }),
      );
      expect(second.deduped).toBe(false);
      expect(await jobRow(database, first.id)).toMatchObject({ state: "running", key: null });
      expect(await jobRow(database, second.id)).toMatchObject({
        state: "pending",
        key: "sync-to-crm:app_4",
      });
    });

    it("are free again once the job has completed", async () => {
      const first = await database.write((tx) =>
        enqueue(tx, crmJob, { app: "v1" }, { key: "app_5" }),
      );
      await database.serialized(() =>
        database.client.execute({
          sql: "UPDATE outbox SET state = 'completed', completed_at = 1 WHERE id = ?",
          args: [first.id],
        }),
      );
      const second = await database.write((tx) =>
        enqueue(tx, crmJob, { app: "v2" }, { key: "app_5", keyMode: "dedupe" }),
      );
      expect(second.deduped).toBe(false);
      expect(await countJobs(database)).toBe(2);
    });
  });

  it("finds a key's holders through the unique key index, never by walking the outbox", async () => {
    // EXPLAIN through a native connection of its own (see db/native-writer.mjs).
    const native = new Sqlite(`${database.dir}/test.db`);
    try {
      for (const keyMode of ["replace", "dedupe"] as const) {
        for (const step of enqueueSteps(crmJob, { app: "x" }, { key: "app_9", keyMode })) {
          if (!step.sql.includes("key = ?")) continue;
          const plan = (
            native.prepare(`EXPLAIN QUERY PLAN ${step.sql}`).all(step.args as never) as {
              detail: string;
            }[]
          ).map((row) => row.detail);
          const outbox = plan.filter((detail) => /\boutbox\b/.test(detail));
          expect(outbox.length, step.sql).toBeGreaterThan(0);
          for (const detail of outbox)
            expect(detail, step.sql).toMatch(/outbox_key_idx \(key=\?\)/);
        }
      }
    } finally {
      native.close();
    }
  });
});
