import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, merchants } from "./schema/index";
import { createTestDatabase } from "./testing";
import { newId } from "./ids";

/** drizzle wraps driver errors ("Failed query: …"); the database's own words are in the cause. */
async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    const err = error as Error & { cause?: Error };
    return `${err.message} ${err.cause?.message ?? ""}`;
  }
  throw new Error("expected the write to fail");
}

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

describe("the embedded database", () => {
  it("runs in WAL mode with synchronous=FULL, foreign keys and a busy timeout", async () => {
    const pragma = async (name: string) =>
      Object.values((await database.client.execute(`PRAGMA ${name}`)).rows[0]!)[0];
    expect(await pragma("journal_mode")).toBe("wal");
    expect(await pragma("synchronous")).toBe(2); // FULL
    expect(await pragma("foreign_keys")).toBe(1);
    expect(await pragma("busy_timeout")).toBe(5000);
  });

  it("serialises concurrent write transactions instead of deadlocking", async () => {
    const writes = Array.from({ length: 300 }, (_, i) =>
      database.write(async (tx) => {
        const id = newId("mer");
        await tx.insert(merchants).values({ id, name: `M${i}`, slug: `m-${i}-${id}` });
        await tx
          .insert(auditLogs)
          .values({ at: new Date(), actorType: "system", action: "test.write" });
      }),
    );
    await Promise.all(writes);
    const count = await database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM merchants`);
    expect(count?.n).toBe(300);
  });

  it("rolls a failed transaction back completely", async () => {
    const slug = `rollback-${Date.now()}`;
    await expect(
      database.write(async (tx) => {
        await tx.insert(merchants).values({ id: newId("mer"), name: "R", slug });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const rows = await database.db.all(sql`SELECT id FROM merchants WHERE slug = ${slug}`);
    expect(rows).toHaveLength(0);
  });

  it("commits writes queued together as a group where a failing one rolls back alone", async () => {
    const tag = `group-${Date.now()}`;
    const writes = Array.from({ length: 20 }, (_, i) =>
      database.write(async (tx) => {
        const id = newId("mer");
        await tx.insert(merchants).values({ id, name: tag, slug: `${tag}-${i}` });
        if (i === 7) throw new Error(`write ${i} failed`);
        return id;
      }),
    );
    // Each write that reports success is already committed: another connection sees its row.
    const seen = writes.map((write) =>
      write.then(async (id) => {
        const row = await database.db.get<{ n: number }>(
          sql`SELECT count(*) AS n FROM merchants WHERE id = ${id}`,
        );
        return row?.n;
      }),
    );
    const outcomes = await Promise.allSettled(seen);
    expect(outcomes.filter((o) => o.status === "fulfilled" && o.value === 1)).toHaveLength(19);
    expect(outcomes[7]).toMatchObject({
      status: "rejected",
      reason: { message: "write 7 failed" },
    });
    const rows = await database.db.all<{ slug: string }>(
      sql`SELECT slug FROM merchants WHERE name = ${tag} ORDER BY slug`,
    );
    expect(rows).toHaveLength(19);
    expect(rows.map((r) => r.slug)).not.toContain(`${tag}-7`);
  });

  it("fails every write of a group whose commit fails, and commits none of them", async () => {
    const tag = `doomed-${Date.now()}`;
    const writes = Array.from({ length: 5 }, (_, i) =>
      database.write(async (tx) => {
        await tx.insert(merchants).values({ id: newId("mer"), name: tag, slug: `${tag}-${i}` });
        // A deferred foreign key is only checked at COMMIT: it fails the whole group.
        if (i === 4) {
          await tx.run(sql`PRAGMA defer_foreign_keys = ON`);
          await tx.run(sql`INSERT INTO api_keys (id, merchant_id, name, mode, display_prefix, key_hash, expires_at, created_at, updated_at)
                   VALUES (${newId("key")}, 'mer_missing', 'x', 'test', 'fp_test_x', ${tag}, 0, 0, 0)`);
        }
      }),
    );
    const outcomes = await Promise.allSettled(writes);
    // All five were queued in the same turn, so they form one group, and its COMMIT fails.
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill("rejected"));
    const rows = await database.db.all(sql`SELECT id FROM merchants WHERE name = ${tag}`);
    expect(rows).toHaveLength(0);
    // The queue goes on: the next write commits.
    await database.write((tx) =>
      tx.insert(merchants).values({ id: newId("mer"), name: tag, slug: `${tag}-after` }),
    );
    expect(await database.db.all(sql`SELECT id FROM merchants WHERE name = ${tag}`)).toHaveLength(
      1,
    );
  });

  it("refuses rows that point at nothing (foreign keys enforced)", async () => {
    const message = await failure(
      database.write((tx) =>
        tx.run(sql`INSERT INTO api_keys (id, merchant_id, name, mode, display_prefix, key_hash, expires_at, created_at, updated_at)
                   VALUES ('key_x', 'mer_missing', 'x', 'test', 'fp_test_x', 'h', 0, 0, 0)`),
      ),
    );
    expect(message).toMatch(/FOREIGN KEY/);
  });

  it("keeps audit_logs append-only: UPDATE and DELETE are rejected by the database", async () => {
    await database.write((tx) =>
      tx.insert(auditLogs).values({ at: new Date(), actorType: "system", action: "test.append" }),
    );
    expect(
      await failure(database.write((tx) => tx.run(sql`UPDATE audit_logs SET action = 'x'`))),
    ).toMatch(/append-only/);
    expect(await failure(database.write((tx) => tx.run(sql`DELETE FROM audit_logs`)))).toMatch(
      /append-only/,
    );
    const left = await database.db.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM audit_logs WHERE action = 'test.append'`,
    );
    expect(left?.n).toBe(1);
  });
});
