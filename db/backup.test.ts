import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backupDatabase, localDatabasePath } from "./backup";
import { openDatabase } from "./client";
import { createTestDatabase } from "./testing";

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let database: TestDatabase;

beforeEach(async () => {
  database = await createTestDatabase();
  await database.serialized(() =>
    database.client.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY, payload TEXT)"),
  );
  await database.write(async (tx) => {
    for (let i = 0; i < 200; i++) {
      await tx.run(sql`INSERT INTO samples (payload) VALUES (${`row ${i}`.padEnd(200, ".")})`);
    }
  });
});
afterEach(() => database.destroy());

describe("backupDatabase", () => {
  it("writes a complete, checked copy that opens as a database", async () => {
    const target = join(database.dir, "backups", "copy.db");
    const result = await backupDatabase(database, target);
    expect(result).toMatchObject({ path: target, integrity: "ok" });
    expect(result.bytes).toBeGreaterThan(40_000);

    // Only the backup is left in its folder (no temporary files).
    expect(readdirSync(join(database.dir, "backups"))).toEqual(["copy.db"]);
    const copy = await openDatabase({ url: `file:${target}` });
    try {
      const rows = await copy.client.execute("SELECT count(*) AS n FROM samples");
      expect(rows.rows[0]!.n).toBe(200);
      const migrations = await copy.client.execute(
        "SELECT count(*) AS n FROM __drizzle_migrations",
      );
      expect(Number(migrations.rows[0]!.n)).toBeGreaterThan(0);
    } finally {
      copy.close();
    }
  });

  it("never overwrites an existing file", async () => {
    const target = join(database.dir, "existing.db");
    writeFileSync(target, "precious");
    await expect(backupDatabase(database, target)).rejects.toThrow(
      /Refusing to overwrite .*existing\.db/,
    );
    await expect(backupDatabase(database, join(database.dir, "test.db"))).rejects.toThrow(
      "cannot be the live database",
    );
  });

  it("refuses remote libSQL servers and in-memory databases with a clear message", async () => {
    const target = join(database.dir, "remote.db");
    await expect(
      backupDatabase({ ...database, url: "libsql://flowpay-prod.example.turso.io" }, target),
    ).rejects.toThrow(/remote libSQL server \(libsql:…\): use that server's own backup/);
    await expect(backupDatabase({ ...database, url: "file::memory:" }, target)).rejects.toThrow(
      "in-memory",
    );
    expect(existsSync(target)).toBe(false);
  });

  it("maps file: URLs to paths", () => {
    expect(localDatabasePath("file:/srv/data/flowpay.db")).toBe("/srv/data/flowpay.db");
    expect(localDatabasePath("file:///srv/data/flowpay.db")).toBe("/srv/data/flowpay.db");
    expect(localDatabasePath("file::memory:")).toBeUndefined();
    expect(localDatabasePath("https://db.example.com")).toBeUndefined();
  });
});
