import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Client, InArgs, InStatement, ResultSet, Row } from "@libsql/client";

/**
 * Reader threads (ADR 083): a small pool of worker threads, each with its own read-only native
 * connection to the embedded database file, that run the heavy pages' SELECTs off the thread
 * that serves HTTP. The writer thread (ADR 019) took the writes off it; these take the reads that
 * grow with the data. Cheap point reads (a session, an API key) stay on the serving thread, where
 * a round trip to a thread would cost more than the read (the ADR has both measurements).
 */
export type ReaderPool = {
  /** Runs one statement in the least busy reader thread (started on first use). */
  execute(stmt: InStatement, args?: InArgs): Promise<ResultSet>;
  /** Runs the statements in one read transaction (one snapshot) in one reader thread. */
  batch(stmts: InStatement[]): Promise<ResultSet[]>;
  /** How many reader threads the pool runs. */
  size: number;
  close(): void;
  /**
   * Tests only (testHooks): every reader thread stops as if each were running a very slow query,
   * until `release()` is called; reads sent meanwhile wait for it.
   */
  blockForTest(): Promise<() => void>;
};

export type ReaderPoolOptions = {
  size: number;
  busyTimeoutMs: number;
  testHooks?: boolean;
};

type PlainError = { name: string; message: string; code?: string; rawCode?: number };
type Answer = {
  id: number;
  columns?: string[];
  rows?: unknown[][];
  rowsAffected?: number;
  results?: Omit<Answer, "id" | "results">[];
  error?: PlainError;
};
type Waiting = { resolve(answer: Answer): void; reject(error: Error): void };

/** reader-thread.mjs, beside this file or — from a server build — in the nearest parent's db/. */
function readerThreadFile(): URL {
  const beside = new URL("./reader-thread.mjs", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  for (let up = "../"; up.length <= 4 * 3; up += "../") {
    const candidate = new URL(`${up}db/reader-thread.mjs`, import.meta.url);
    if (existsSync(fileURLToPath(candidate))) return candidate;
  }
  return new URL("../db/reader-thread.mjs", import.meta.url);
}

function rebuild(error: PlainError): Error {
  return Object.assign(new Error(error.message), {
    name: error.name,
    code: error.code,
    rawCode: error.rawCode,
  });
}

/** Deno clones messages object by object; JSON text crosses as one string (ADR 048). */
const sendsJson = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const jsonSafe = (arg: unknown) =>
  arg === null ||
  typeof arg === "string" ||
  typeof arg === "boolean" ||
  (typeof arg === "number" && Number.isFinite(arg));

/** A row as @libsql/client builds it: values by index (not enumerable) and by column name. */
function toRow(values: unknown[], columns: string[]): Row {
  const row = {} as Row;
  Object.defineProperty(row, "length", { value: values.length });
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    Object.defineProperty(row, i, { value });
    const column = columns[i]!;
    if (!Object.hasOwn(row, column)) {
      Object.defineProperty(row, column, {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
  }
  return row;
}

function toResultSet(answer: Omit<Answer, "id">): ResultSet {
  const columns = answer.columns ?? [];
  const rows = (answer.rows ?? []).map((values) => toRow(values, columns));
  return {
    columns,
    columnTypes: columns.map(() => ""),
    rows,
    rowsAffected: answer.rowsAffected ?? 0,
    lastInsertRowid: undefined,
    toJSON: () => ({ columns, rows: answer.rows, rowsAffected: answer.rowsAffected ?? 0 }),
  };
}

/** `{ sql, args }` with positional or named arguments, from either form execute() accepts. */
function statementOf(stmt: InStatement, args?: InArgs): { sql: string; args: InArgs } {
  if (typeof stmt === "string") return { sql: stmt, args: args ?? [] };
  return { sql: stmt.sql, args: stmt.args ?? [] };
}

type Thread = { worker: Worker; busy: number; waiting: Map<number, Waiting> };

export function readerPool(path: string, options: ReaderPoolOptions): ReaderPool {
  const { size, busyTimeoutMs, testHooks = false } = options;
  let nextId = 1;
  let closed = false;
  /** Each slot's thread, started on first use and again after one stopped. */
  const slots: (Promise<Thread> | null)[] = Array.from({ length: size }, () => null);
  const started: (Thread | null)[] = Array.from({ length: size }, () => null);

  const start = (slot: number): Promise<Thread> => {
    const worker = new Worker(readerThreadFile(), {
      workerData: { path, busyTimeoutMs, testHooks },
    });
    // A reader must not keep a process alive that has nothing else to do (CLI, tests).
    worker.unref();
    const thread: Thread = { worker, busy: 0, waiting: new Map() };
    const ready = new Promise<Thread>((resolve, reject) => {
      worker.once("message", (message: { ready: boolean; error?: PlainError }) =>
        message.ready ? resolve(thread) : reject(rebuild(message.error!)),
      );
      worker.once("error", reject);
      worker.once("exit", (code) =>
        reject(new Error(`A database reader thread exited (${code}) while starting`)),
      );
    });
    const stopped = (why: string) => {
      if (slots[slot] === promise) {
        slots[slot] = null;
        started[slot] = null;
      }
      const error = new Error(`A database reader thread stopped: ${why}`);
      for (const entry of thread.waiting.values()) entry.reject(error);
      thread.waiting.clear();
    };
    worker.on("message", (raw: string | (Answer & { closed?: boolean; ready?: boolean })) => {
      const message = typeof raw === "string" ? (JSON.parse(raw) as Answer) : raw;
      if ("closed" in message && message.closed) return void worker.terminate();
      if ("ready" in message) return;
      const entry = thread.waiting.get(message.id);
      if (!entry) return;
      thread.waiting.delete(message.id);
      thread.busy--;
      if (message.error) entry.reject(rebuild(message.error));
      else entry.resolve(message);
    });
    worker.on("error", (error) => stopped(error.message));
    worker.on("exit", (code) => stopped(`it exited with code ${code}`));
    const promise = ready.then((t) => {
      started[slot] = t;
      return t;
    });
    promise.catch(() => {
      if (slots[slot] === promise) slots[slot] = null;
    });
    slots[slot] = promise;
    return promise;
  };

  /** The least busy thread that is running; one not yet started is started. */
  const pick = (): Promise<Thread> => {
    let best = -1;
    for (let slot = 0; slot < size; slot++) {
      const thread = started[slot];
      if (!thread) {
        // Not started (or stopped): start it, and use it once it is ready.
        return slots[slot] ?? start(slot);
      }
      if (best < 0 || thread.busy < started[best]!.busy) best = slot;
    }
    return Promise.resolve(started[best]!);
  };

  const send = async (message: Record<string, unknown>, args: unknown[]): Promise<Answer> => {
    if (closed)
      throw Object.assign(new Error("The database readers are closed"), { code: "closed" });
    const thread = await pick();
    const id = nextId++;
    return new Promise<Answer>((resolve, reject) => {
      thread.waiting.set(id, { resolve, reject });
      thread.busy++;
      const sent = { id, ...message };
      thread.worker.postMessage(sendsJson && args.every(jsonSafe) ? JSON.stringify(sent) : sent);
    });
  };

  const argList = (args: InArgs) => (Array.isArray(args) ? args : Object.values(args));

  return {
    size,
    async execute(stmt, args) {
      const statement = statementOf(stmt, args);
      return toResultSet(await send(statement, argList(statement.args)));
    },
    async batch(stmts) {
      const statements = stmts.map((stmt) => statementOf(stmt));
      const answer = await send(
        { batch: statements },
        statements.flatMap((s) => argList(s.args)),
      );
      return answer.results!.map(toResultSet);
    },
    close() {
      closed = true;
      for (const thread of started) thread?.worker.postMessage({ close: true });
      for (const slot of slots) slot?.then((t) => void t.worker.terminate()).catch(() => {});
    },
    async blockForTest() {
      if (!testHooks) throw new Error("Reader threads without test hooks");
      const threads = await Promise.all(
        Array.from({ length: size }, (_, slot) => slots[slot] ?? start(slot)),
      );
      const flag = new Int32Array(new SharedArrayBuffer(8));
      for (const thread of threads) thread.worker.postMessage({ testBlock: flag.buffer });
      while (Atomics.load(flag, 1) < threads.length) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return () => {
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      };
    },
  };
}

/**
 * A libSQL client whose reads run in the reader pool: what drizzle (`drizzle-orm/libsql`) needs
 * of a client — execute and batch — so `drizzle(readerClient(…))` is an ordinary drizzle database
 * and domain code reads through it unchanged. It cannot write (its connections are query-only)
 * and has no interactive transactions: writes go through `database.write` (ADR 003).
 */
export function readerClient(pool: ReaderPool, base: Client): Client {
  const refuse = (what: string) => () =>
    Promise.reject(
      new Error(`The database reader does not ${what}: write through database.write (ADR 003)`),
    );
  return {
    execute: ((stmt: InStatement, args?: InArgs) => pool.execute(stmt, args)) as Client["execute"],
    batch: (stmts: InStatement[]) => pool.batch(stmts),
    migrate: refuse("migrate"),
    transaction: refuse("open transactions"),
    executeMultiple: refuse("run scripts"),
    sync: refuse("sync"),
    reconnect: () => Promise.resolve(),
    close: () => {},
    get closed() {
      return base.closed;
    },
    get protocol() {
      return base.protocol;
    },
  } as Client;
}
