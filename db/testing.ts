import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "./client";
import { migrateDatabase } from "./migrate";

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
