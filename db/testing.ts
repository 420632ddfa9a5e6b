import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "./client";
import { migrateDatabase } from "./migrate";

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
