import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./client";
import { newId } from "./ids";
import { migrateDatabase } from "./migrate";
import { merchants } from "./schema/index";
import { settledFlag } from "./testing";

/**
 * Reader threads (ADR 083) on a real database file: the reader answers what the serving thread
 * would, sees every write acknowledged before it, cannot write, and — the point of it — the
 * serving thread keeps answering while a read is busy in a reader.
 */
let dir: string;
let database: Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flowpay-reader-"));
  database = await openDatabase({
    url: `file:${join(dir, "test.db")}`,
    readers: 2,
    readerTestHooks: true,
  });
  await migrateDatabase(database);
});

afterAll(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

const addMerchant = async (slug: string) => {
  const id = newId("mer");
  await database.write((tx) => tx.insert(merchants).values({ id, name: `M ${slug}`, slug }));
  return id;
};

describe("database.reader", () => {
  it("is a separate drizzle database that answers exactly what the serving thread answers", async () => {
    expect(database.reader).not.toBe(database);
    expect(database.reader.db).not.toBe(database.db);
    const id = await addMerchant("reader-same");
    const query = (db: Database["db"]) => db.select().from(merchants).where(eq(merchants.id, id));
    const [main, read] = [await query(database.db), await query(database.reader.db)];
    expect(read).toEqual(main);
    expect(read[0]!.createdAt).toBeInstanceOf(Date);
    // Relational queries, raw SQL and the libSQL client's rows work through it as well.
    const found = await database.reader.db.query.merchants.findFirst({
      where: eq(merchants.slug, "reader-same"),
    });
    expect(found?.id).toBe(id);
    const raw = await database.reader.client.execute({
      sql: "SELECT id, slug FROM merchants WHERE id = ?",
      args: [id],
    });
    expect(raw.rows[0]!.slug).toBe("reader-same");
    expect(raw.rows[0]![1]).toBe("reader-same");
    expect(raw.columns).toEqual(["id", "slug"]);
    const [one, two] = await database.reader.db.batch([
      database.reader.db.select({ n: sql<number>`count(*)` }).from(merchants),
      database.reader.db.select({ n: sql<number>`1 + 1` }).from(sql`(SELECT 1)`),
    ]);
    expect(one[0]!.n).toBeGreaterThanOrEqual(1);
    expect(two[0]!.n).toBe(2);
  });

  it("sees every write acknowledged before the read started (read your writes)", async () => {
    for (let i = 0; i < 30; i++) {
      const slug = `reader-ryw-${i}`;
      const id = await addMerchant(slug);
      const row = await database.reader.db.query.merchants.findFirst({
        where: eq(merchants.id, id),
      });
      expect(row?.slug).toBe(slug);
      // And a write program through the writer thread, read at once.
      await database.writeProgram({
        steps: [{ sql: "UPDATE merchants SET name = ? WHERE id = ?", args: [`renamed ${i}`, id] }],
      });
      const renamed = await database.reader.client.execute({
        sql: "SELECT name FROM merchants WHERE id = ?",
        args: [id],
      });
      expect(renamed.rows[0]!.name).toBe(`renamed ${i}`);
    }
  });

  it("cannot write, so no write bypasses the write queue", async () => {
    await expect(
      database.reader.client.execute("DELETE FROM merchants WHERE slug = 'reader-same'"),
    ).rejects.toThrow(/readonly|read-only|query_only/i);
    await expect(database.reader.client.transaction()).rejects.toThrow(/database.write/);
    const still = await database.db.$count(merchants, eq(merchants.slug, "reader-same"));
    expect(still).toBe(1);
    // Writes through the reader view still go through the one write queue.
    await database.reader.write((tx) =>
      tx.update(merchants).set({ name: "via view" }).where(eq(merchants.slug, "reader-same")),
    );
    const row = await database.reader.db.query.merchants.findFirst({
      where: eq(merchants.slug, "reader-same"),
    });
    expect(row?.name).toBe("via view");
  });

  it("reports a failing statement as an error and goes on reading", async () => {
    await expect(database.reader.client.execute("SELECT * FROM no_such_table")).rejects.toThrow(
      /no such table/,
    );
    const again = await database.reader.client.execute("SELECT 7 AS n");
    expect(again.rows[0]!.n).toBe(7);
  });

  it("keeps the serving thread answering while a slow query runs in a reader", async () => {
    // ≈ a second of work in SQLite: a page's scan over a million rows.
    const slow = database.reader.client.execute(
      `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000)
       SELECT count(*) AS n FROM c`,
    );
    const slowState = settledFlag(slow);
    // The serving thread: a timer fires, a point read on its own connection answers, and so does
    // a second reader thread — all while the slow query has not finished.
    await new Promise((resolve) => setTimeout(resolve, 1));
    const point = await database.db.query.merchants.findFirst({
      where: eq(merchants.slug, "reader-same"),
    });
    expect(point?.slug).toBe("reader-same");
    const other = await database.reader.client.execute("SELECT 1 AS one");
    expect(other.rows[0]!.one).toBe(1);
    expect(slowState.settled).toBe(false);
    expect((await slow).rows[0]!.n).toBe(5_000_000);
  });

  it("queues reads while every reader is busy, and the serving thread still answers", async () => {
    const release = await database.blockReadersForTest();
    const read = database.reader.db.select().from(merchants).limit(1);
    const readState = settledFlag(read);
    const served = await database.db.select().from(merchants).limit(1);
    expect(served).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readState.settled).toBe(false);
    release();
    expect(await read).toHaveLength(1);
  });
});

describe("without reader threads", () => {
  it("reads in this thread: the reader is the database itself", async () => {
    const local = mkdtempSync(join(tmpdir(), "flowpay-reader-none-"));
    const none = await openDatabase({ url: `file:${join(local, "t.db")}`, readers: 0 });
    try {
      expect(none.reader).toBe(none);
    } finally {
      none.close();
      rmSync(local, { recursive: true, force: true });
    }
  });
});
