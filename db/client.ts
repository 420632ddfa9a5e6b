import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "./schema/index";
import { instrumentClient } from "./instrument";
import { WriteQueue, type GroupRunner } from "./write-queue";
import {
  runProgram,
  type BatchResult,
  type Program,
  type ProgramResult,
  type Row,
} from "./native-writer.mjs";
import { drizzleSqlTx, type SqlValue } from "./sql-tx";
import { inlineRunner, threadRunner, type ProgramRunner } from "./writer";

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
  close(): void;
};

export type DatabaseOptions = {
  url: string;
  authToken?: string;
  /** Where an embedded database runs write programs: a worker thread (default) or this one. */
  writer?: "thread" | "inline";
};

/** The busy timeout (ms) applied by @libsql/client to every connection it opens. */
export const busyTimeoutMs = 5000;

/** Opens a database: an embedded file (WAL, synchronous=FULL, foreign keys) or a remote libSQL server. */
export async function openDatabase({
  url,
  authToken,
  writer = "thread",
}: DatabaseOptions): Promise<Database> {
  const path = url.startsWith("file:") ? filePath(url) : null;
  if (path && path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const raw = createClient({ url, authToken, timeout: busyTimeoutMs });
  let programs: ProgramRunner | null = null;
  if (path) {
    // journal_mode is stored in the file, so setting it once covers every later connection.
    // libSQL already opens connections with foreign_keys=ON and synchronous=FULL.
    await raw.execute("PRAGMA journal_mode=WAL");
    // A second connection to ":memory:" would be a second, empty database.
    if (path !== ":memory:") {
      programs =
        writer === "thread"
          ? await threadRunner(path, busyTimeoutMs)
          : inlineRunner(path, busyTimeoutMs);
    }
  }
  const client = instrumentClient(raw);
  const db = drizzle(client, { schema });
  const queue = new WriteQueue<Tx, Program>(groupRunner(db), undefined, programs ?? undefined);
  return {
    url,
    client,
    db,
    queue,
    write: (work) => queue.transaction(work),
    writeProgram: programs
      ? (program) => queue.program(program) as Promise<ProgramResult>
      : (program) => queue.transaction((tx) => runProgram(drizzleSqlTx(tx), program)),
    writeBatch: programs
      ? async (statements) => {
          const steps = statements.map(({ sql, args }) => ({
            sql,
            args,
            all: /\bRETURNING\b/i.test(sql),
          }));
          const result = (await queue.program({ steps, collect: true })) as ProgramResult;
          return (result.kind === "done" && result.results) || [];
        }
      : async (statements) => {
          const results = await queue.run(() => client.batch(statements, "write"));
          return results.map((r) => ({
            rows: r.rows as unknown as Row[],
            rowsAffected: r.rowsAffected,
          }));
        },
    serialized: (work) => queue.run(work),
    close: () => {
      programs?.close();
      raw.close();
    },
  };
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
function groupRunner(db: Db): GroupRunner<Tx> {
  return {
    single: (work) => db.transaction(work),
    group: (works) =>
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
  };
}
