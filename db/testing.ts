import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "drizzle-orm/libsql/migrator";
import { openDatabase, type Database } from "./client";
import { migrateDatabase, migrationsFolder } from "./migrate";

/**
 * Whether a promise has settled yet, read after the tasks already queued: tests that show one
 * thing answers while another is still waiting (reader threads, ADR 083) assert on it, never on
 * a time.
 */
export function settledFlag(promise: Promise<unknown>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/**
 * A fresh, migrated database file for one test file (or one test): real libSQL, WAL,
 * synchronous=FULL — the same engine production runs, never a mock.
 */
export async function createTestDatabase(): Promise<Database & { dir: string; destroy(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "flowpay-test-"));
  const database = await openDatabase({ url: `file:${join(dir, "test.db")}` });
  await migrateDatabase(database);
  return Object.assign(database, {
    dir,
    destroy() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/**
 * A database file migrated up to, not including, the migration `tag`: for a test of that
 * migration's backfill — write rows with the columns of that time, then `migrateRest()`.
 */
export async function databaseBeforeMigration(tag: string) {
  const dir = mkdtempSync(join(tmpdir(), "flowpay-before-"));
  const before = join(dir, "before");
  cpSync(migrationsFolder, before, { recursive: true });
  const journalPath = join(before, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const index = journal.entries.findIndex((entry) => entry.tag === tag);
  if (index < 1) throw new Error(`${tag}: not a migration after the first`);
  journal.entries = journal.entries.slice(0, index);
  writeFileSync(journalPath, JSON.stringify(journal));
  const database = await openDatabase({ url: `file:${join(dir, "db.sqlite")}` });
  await database.serialized(() => migrate(database.db, { migrationsFolder: before }));
  return Object.assign(database, {
    migrateRest: () => database.serialized(() => migrate(database.db, { migrationsFolder })),
    destroy() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
