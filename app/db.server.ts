import { openDatabase, type Database } from "../db/client";
import { getEnv } from "./config/env.server";

/**
 * The process's one database handle (and so its one write queue), kept on globalThis so a
 * dev rebuild that re-imports the server build reuses it instead of opening a second writer.
 */
const globalForDb = globalThis as unknown as { __flowpayDb?: Promise<Database> };

export function getDatabase(): Promise<Database> {
  globalForDb.__flowpayDb ??= openDatabase({
    url: getEnv().DATABASE_URL,
    authToken: getEnv().DATABASE_AUTH_TOKEN,
    writer: getEnv().DB_WRITER,
  });
  return globalForDb.__flowpayDb;
}
