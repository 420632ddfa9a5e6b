import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "./schema/index";
import { instrumentClient } from "./instrument";
import { WriteQueue, type GroupRunner } from "./write-queue";
import {
  checkFileIdentity,
  fileIdentity,
  ProgramFailure,
  runProgram,
  type BatchResult,
  type Program,
  type ProgramResult,
  type Row,
} from "./native-writer.mjs";
import { drizzleSqlTx, type SqlValue } from "./sql-tx";
import { readerClient, readerPool, type ReaderPool } from "./reader";
import { DatabaseUnavailableError, unavailableReason } from "./errors";
import {
  inlineRunner,
  threadRunner,
  type ProgramRunner,
  type ThreadRunnerOptions,
  type WriterState,
} from "./writer";

export type Schema = typeof schema;
export type Db = LibSQLDatabase<Schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export type Database = {
  url: string;
  client: Client;
  db: Db;
  queue: WriteQueue<Tx, Program>;
  /** Runs `work` in one write transaction, serialised with every other write of this process. */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs a write program (plain-data SQL steps, ADR 019) as one write transaction, serialised
   * with every other write: on an embedded file in the writer thread, whose statements stay
   * compiled; on a remote server inside an ordinary drizzle transaction.
   */
  writeProgram(program: Program): Promise<ProgramResult>;
  /**
   * Statements run in order as one write transaction, each one's rows and changes returned (the
   * job runner's rounds): a write program on an embedded file, `client.batch` on a remote server.
   */
  writeBatch(statements: { sql: string; args: SqlValue[] }[]): Promise<BatchResult[]>;
  /** Runs a single statement (or batch) that writes, through the same queue. */
  serialized<T>(work: () => Promise<T>): Promise<T>;
  /**
   * The write path's condition for /ready (ADR 024): the writer thread's state, and the reason
   * every write is refused when a condition that does not heal by itself was found (the file was
   * deleted or replaced under the process, ADR 025).
   */
  writeHealth(): { writer: WriterState | "none"; refused: DatabaseUnavailableError | null };
  /**
   * A real write through the write queue and the writer: BEGIN IMMEDIATE (the write lock, the
   * file's identity, the writer thread alive) and an empty COMMIT. Rejects with what failed.
   */
  probeWrite(): Promise<void>;
  /** Tests only (writerThread.testHooks): the writer thread exits as a crash would end it. */
  crashWriterForTest(): void;
  /**
   * The same database, whose reads (`db`, `client`) run in reader threads (ADR 083): for the
   * heavy pages' queries, so they never hold the thread that serves every request. Writes
   * (`write`, `writeProgram`…) are this database's own; a read made after a write resolved sees
   * it. On a remote libSQL server, `:memory:`, or with no reader threads, it is this database.
   */
  reader: Database;
  /** Tests only (readerTestHooks): every reader thread stalls until the returned release(). */
  blockReadersForTest(): Promise<() => void>;
  close(): void;
};

export type DatabaseOptions = {
  url: string;
  authToken?: string;
  /** Where an embedded database runs write programs: a worker thread (default) or this one. */
  writer?: "thread" | "inline";
  /** How long a write waits for another process's write lock before SQLITE_BUSY (default 5 s). */
  busyTimeoutMs?: number;
  /** The writer thread's restart policy and what to do when it is given up (ADR 024). */
  writerThread?: Omit<ThreadRunnerOptions, "testHooks"> & { testHooks?: boolean };
  /** Called once when writes are refused for good (the file was replaced, ADR 025). */
  onRefused?(error: DatabaseUnavailableError): void;
  /**
   * Reader threads for `database.reader` on an embedded file (ADR 083), started on first use;
   * 0 reads in this thread. Default 2.
   */
  readers?: number;
  /** Tests only: `blockReadersForTest()` works. */
  readerTestHooks?: boolean;
};

/** The default busy timeout (ms) applied to every connection the process opens. */
export const busyTimeoutMs = 5000;

/** The write probe's program: BEGIN IMMEDIATE, a statement that finds nothing, an empty COMMIT. */
const probeProgram: Program = {
  steps: [{ sql: "SELECT 1 WHERE 0", args: [], returns: true, failIfNoRow: "write_probe" }],
};

/** Opens a database: an embedded file (WAL, synchronous=FULL, foreign keys) or a remote libSQL server. */
export async function openDatabase({
  url,
  authToken,
  writer = "thread",
  busyTimeoutMs: timeout = busyTimeoutMs,
  writerThread,
  onRefused,
  readers = 2,
  readerTestHooks = false,
}: DatabaseOptions): Promise<Database> {
  const path = url.startsWith("file:") ? filePath(url) : null;
  if (path && path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const raw = createClient({ url, authToken, timeout });
  let programs: ProgramRunner | null = null;
  let pool: ReaderPool | null = null;
  let identity: string | null = null;
  if (path) {
    // journal_mode is stored in the file, so setting it once covers every later connection.
    // libSQL already opens connections with foreign_keys=ON and synchronous=FULL.
    await raw.execute("PRAGMA journal_mode=WAL");
    // A second connection to ":memory:" would be a second, empty database.
    if (path !== ":memory:") {
      identity = fileIdentity(path);
      programs =
        writer === "thread"
          ? await threadRunner(path, timeout, writerThread)
          : inlineRunner(path, timeout);
      if (readers > 0)
        pool = readerPool(path, {
          size: readers,
          busyTimeoutMs: timeout,
          testHooks: readerTestHooks,
        });
    }
  }
  const client = instrumentClient(raw);
  const db = drizzle(client, { schema });

  // Writes are refused for good once the file at `path` is not the one opened (ADR 025): they
  // would go to a deleted file and be lost. Found by the writer thread or by the checks below.
  let refused: DatabaseUnavailableError | null = null;
  let closed = false;
  const checkFile = () => {
    if (path && identity) checkFileIdentity(path, identity);
  };
  const guarded = <T>(start: () => Promise<T>): Promise<T> => {
    if (refused) return Promise.reject(refused);
    if (closed) return Promise.reject(new DatabaseUnavailableError("closed"));
    return start().catch((error: unknown) => {
      const reason = unavailableReason(error);
      // A BEGIN or COMMIT that failed with SQLITE_BUSY leaves its statement resumable, "in
      // progress" on that pooled connection until it is garbage-collected, and every later
      // COMMIT on it failed ("SQL statements in progress") long after the lock was gone (ADR 024).
      // Fresh connections replace them; writes are serialised, so none is in a transaction now.
      if (path && reason === "busy") void raw.reconnect();
      if (!refused && reason === "file_replaced") {
        refused = new DatabaseUnavailableError("file_replaced", (error as Error).message, {
          cause: error,
        });
        onRefused?.(refused);
      }
      throw error;
    });
  };
  /** The queue's own transactions and raw writes check the file before and after, too. */
  const checked = async <T>(work: () => Promise<T>): Promise<T> => {
    checkFile();
    const result = await work();
    checkFile();
    return result;
  };

  const queue = new WriteQueue<Tx, Program>(
    groupRunner(db, checked),
    undefined,
    programs ?? undefined,
  );
  const writeProgram: Database["writeProgram"] = programs
    ? (program) => guarded(() => queue.program(program) as Promise<ProgramResult>)
    : (program) => guarded(() => queue.transaction((tx) => runProgram(drizzleSqlTx(tx), program)));
  const database: Database = {
    url,
    client,
    db,
    queue,
    write: (work) => guarded(() => queue.transaction(work)),
    writeProgram,
    writeBatch: programs
      ? async (statements) => {
          const steps = statements.map(({ sql, args }) => ({
            sql,
            args,
            all: /\bRETURNING\b/i.test(sql),
          }));
          const result = (await guarded(() =>
            queue.program({ steps, collect: true }),
          )) as ProgramResult;
          return (result.kind === "done" && result.results) || [];
        }
      : async (statements) => {
          const results = await guarded(() => queue.run(() => client.batch(statements, "write")));
          return results.map((r) => ({
            rows: r.rows as unknown as Row[],
            rowsAffected: r.rowsAffected,
          }));
        },
    serialized: (work) => guarded(() => queue.run(() => checked(work))),
    writeHealth: () => ({ writer: programs?.state() ?? "none", refused }),
    crashWriterForTest: () => {
      if (!programs || !("crashForTest" in programs) || !writerThread?.testHooks)
        throw new Error("No writer thread with test hooks");
      (programs as { crashForTest(): void }).crashForTest();
    },
    probeWrite: async () => {
      try {
        await writeProgram(probeProgram);
      } catch (error) {
        if (error instanceof ProgramFailure && error.code === "write_probe") return;
        throw error;
      }
    },
    reader: undefined as unknown as Database,
    blockReadersForTest: () => {
      if (!pool) return Promise.reject(new Error("No reader threads"));
      return pool.blockForTest();
    },
    close: () => {
      closed = true;
      programs?.close();
      pool?.close();
      raw.close();
    },
  };
  if (pool) {
    const readClient = instrumentClient(readerClient(pool, raw));
    const reader: Database = {
      ...database,
      client: readClient,
      db: drizzle(readClient, { schema }),
    };
    database.reader = reader;
    reader.reader = reader;
  } else {
    database.reader = database;
  }
  return database;
}

/** The file an embedded `file:` database URL points at. */
export function databaseFilePath(url: string) {
  return filePath(url);
}

function filePath(url: string) {
  return url.startsWith("file://") ? fileURLToPath(url) : url.slice("file:".length).split("?")[0]!;
}

/**
 * How the write queue commits: one transaction alone as it is; a group as one transaction with
 * a savepoint per member (drizzle's nested transaction), so a member that throws rolls back only
 * its own writes and the others still commit.
 */
function groupRunner(db: Db, checked: <T>(work: () => Promise<T>) => Promise<T>): GroupRunner<Tx> {
  return {
    single: (work) => checked(() => db.transaction(work)),
    group: (works) =>
      checked(() =>
        db.transaction(async (outer) => {
          const outcomes: PromiseSettledResult<unknown>[] = [];
          for (const work of works) {
            try {
              outcomes.push({ status: "fulfilled", value: await outer.transaction(work) });
            } catch (reason) {
              outcomes.push({ status: "rejected", reason });
            }
          }
          return outcomes;
        }),
      ),
  };
}
