import { resolve } from "node:path";
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/libsql/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import type { Database } from "./client";

export const migrationsFolder = resolve(process.env.FLOWPAY_ROOT ?? process.cwd(), "db/migrations");

/** Migrations that exist in db/migrations but are not yet applied to this database. */
export async function pendingMigrations(database: Database): Promise<number> {
  const files = readMigrationFiles({ migrationsFolder });
  const table = await database.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'`,
  );
  if (!table || table.n === 0) return files.length;
  const last = await database.db.get<{ created_at: number | null }>(
    sql`SELECT max(created_at) AS created_at FROM __drizzle_migrations`,
  );
  const lastMillis = Number(last?.created_at ?? 0);
  return files.filter((file) => file.folderMillis > lastMillis).length;
}

/**
 * Applies pending migrations in one batch (all or nothing). Several processes may start
 * together on one file: if another one won the race, the loser's batch rolls back and we
 * accept the outcome once nothing is pending.
 */
export async function migrateDatabase(database: Database): Promise<{ applied: number }> {
  const before = await pendingMigrations(database);
  if (before === 0) return { applied: 0 };
  try {
    await database.serialized(() => migrate(database.db, { migrationsFolder }));
  } catch (error) {
    if ((await pendingMigrations(database)) === 0) return { applied: 0 };
    throw error;
  }
  return { applied: before };
}
