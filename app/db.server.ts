import { openDatabase, type Database } from "~/db/client";
import { getEnv } from "./config/env.server";
import { logger } from "./observability/logger.server";
import { singleton } from "~/app/singleton.server";

/**
 * The process's one database handle (and so its one write queue), a process singleton so a
 * dev rebuild that re-imports the server build reuses it instead of opening a second writer.
 */

export function getDatabase(): Promise<Database> {
  const env = getEnv();
  return singleton<Promise<Database>>("db", () =>
    openDatabase({
      url: env.DATABASE_URL,
      authToken: env.DATABASE_AUTH_TOKEN,
      writer: env.DB_WRITER,
      busyTimeoutMs: env.DB_BUSY_TIMEOUT_MS,
      readers: env.DB_READERS,
      readerTestHooks: env.FLOWPAY_ENV === "test",
      writerThread: {
        maxRestarts: env.DB_WRITER_MAX_RESTARTS,
        // Tests only: lets a test kill the writer thread as a crash would (ADR 024).
        testHooks: env.FLOWPAY_ENV === "test" && process.env.FLOWPAY_TEST_HOOKS === "1",
        onCrash: (error, restart) =>
          logger.error(
            { err: error, restart, of: env.DB_WRITER_MAX_RESTARTS },
            "database writer thread stopped; restarting it (writes answer 503 meanwhile)",
          ),
        // A process that cannot write any more is of no use: /ready is already 503; exit non-zero
        // so that the container (or systemd) restarts it with a fresh writer (ADR 024).
        onDead: (error) => {
          logger.fatal(
            { err: error },
            "database writer thread could not be restarted; exiting with code 1 so the process is restarted",
          );
          setTimeout(() => process.exit(1), 500);
        },
      },
      // ADR 025: logged once; every write is refused from here on.
      onRefused: (error) =>
        logger.error(
          { err: error, database: env.DATABASE_URL },
          `${error.message}: this process refuses every write from now on (503, /ready 503). ` +
            "Restore the database file from a backup or put the original back, then restart the process.",
        ),
    }).then(withTestHooks),
  );
}

/**
 * Tests only (scripts/testing/write-path-process.test.ts): with FLOWPAY_TEST_HOOKS=1 in a test
 * environment, SIGUSR2 kills the writer thread as a crash would, to show that the process notices
 * and restarts it (ADR 024).
 */
function withTestHooks(database: Database): Database {
  if (getEnv().FLOWPAY_ENV === "test" && process.env.FLOWPAY_TEST_HOOKS === "1") {
    process.on("SIGUSR2", () => database.crashWriterForTest());
  }
  return database;
}
