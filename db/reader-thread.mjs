// A database reader thread (ADR 083): owns one read-only native connection to the embedded
// database and runs the SELECTs the main thread's reader pool sends it, so a heavy page's queries
// (the FlowOps dashboard, lists, detail pages, the jobs monitor, statements) no longer hold the
// event loop that serves every other request.
//
// WAL lets readers run beside the writer: each statement here is its own read transaction, so it
// sees every transaction committed before it started — a page read after its request's write has
// been acknowledged sees that write (the writer answers only after COMMIT).
//
// One statement at a time: the native driver is synchronous, so a message is handled to the end
// before the next is delivered. The pool on the main thread sends work to the least busy thread.
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
// Errors cross the thread boundary as plain data (plainError); the main thread rebuilds them.
import { plainError } from "./native-writer.mjs";

const require = createRequire(import.meta.url);

/**
 * Deno's worker clones a message object by object (ADR 048): there a result goes back as one JSON
 * string unless it holds bytes or big integers, which JSON would not carry unchanged.
 */
const answersJson = typeof globalThis.Deno !== "undefined";

const minSafe = BigInt(Number.MIN_SAFE_INTEGER);
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A value as @libsql/client's default integer mode hands it over: a safe integer as a number
 * (a larger one is an error, as there), bytes as an ArrayBuffer of their own.
 */
function plainValue(value) {
  if (typeof value === "bigint") {
    if (value < minSafe || value > maxSafe) {
      throw new RangeError(
        "Received integer which cannot be safely represented as a JavaScript number",
      );
    }
    return Number(value);
  }
  if (value instanceof Uint8Array) {
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  }
  return value;
}

/** An argument as @libsql/client passes it to the native driver. */
function sqlArg(value) {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length);
  return value;
}

let db;
try {
  const Database = require("libsql");
  db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
  // This connection never writes: a statement that tries is refused (SQLITE_READONLY), so a
  // write can never bypass the write queue by being sent here.
  db.exec("PRAGMA query_only = 1");
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ ready: false, error: plainError(error) });
}

/** @type {Map<string, any>} compiled statements by SQL text, least recently used first */
const statements = new Map();

function statement(sql) {
  let found = statements.get(sql);
  if (found) {
    statements.delete(sql);
  } else {
    // Bounded: list filters and IN (…) lists make texts vary.
    if (statements.size >= 300) statements.delete(statements.keys().next().value);
    found = db.prepare(sql);
    found.safeIntegers(true);
  }
  statements.set(sql, found);
  return found;
}

/** Runs one statement; the columns and rows (arrays), or its changes for one without rows. */
function run(sql, args) {
  const prepared = statement(sql);
  const values = Array.isArray(args)
    ? args.map(sqlArg)
    : Object.fromEntries(
        Object.entries(args).map(([name, value]) => [name.replace(/^[@$:]/, ""), sqlArg(value)]),
      );
  let returnsData = true;
  try {
    prepared.raw(true);
  } catch {
    // raw() throws for a statement that returns no data (as @libsql/client finds out).
    returnsData = false;
  }
  if (!returnsData) {
    const info = prepared.run(values);
    return { columns: [], rows: [], rowsAffected: Number(info.changes ?? 0) };
  }
  const columns = prepared.columns().map((column) => column.name);
  const rows = prepared.all(values).map((row) => row.map(plainValue));
  return { columns, rows, rowsAffected: 0 };
}

/** `run`, and a statement that failed is dropped from the cache: the driver does not reset it. */
function runCaught(sql, args) {
  try {
    return run(sql, args ?? []);
  } catch (error) {
    statements.delete(sql);
    throw error;
  }
}

/** A batch: its statements in one read transaction, so they all read one snapshot. */
function readTogether(batch) {
  db.exec("BEGIN");
  try {
    return batch.map(({ sql, args }) => runCaught(sql, args));
  } finally {
    db.exec("COMMIT");
  }
}

/** Whether JSON text carries a result unchanged (no bytes). */
const jsonSafe = (rows) =>
  rows.every((row) => row.every((value) => !(value instanceof ArrayBuffer)));

parentPort.on("message", (raw) => {
  const message = typeof raw === "string" ? JSON.parse(raw) : raw;
  if (message.close) {
    db?.close();
    db = undefined;
    parentPort.postMessage({ closed: true });
    return;
  }
  // Tests only (reader.test.ts): the thread waits until the test lets it go, as a slow query
  // would keep it busy — the main thread must go on serving meanwhile.
  if (message.testBlock && workerData.testHooks) {
    const flag = new Int32Array(message.testBlock);
    Atomics.add(flag, 1, 1);
    Atomics.wait(flag, 0, 0);
    return;
  }
  const { id } = message;
  let reply;
  try {
    if (!db) throw Object.assign(new Error("The database reader is closed"), { code: "closed" });
    if (message.batch) {
      const results = readTogether(message.batch);
      reply = { id, results };
      if (answersJson && results.every((r) => jsonSafe(r.rows))) reply = JSON.stringify(reply);
    } else {
      const result = runCaught(message.sql, message.args);
      reply = { id, ...result };
      if (answersJson && jsonSafe(result.rows)) reply = JSON.stringify(reply);
    }
  } catch (error) {
    reply = { id, error: plainError(error) };
  }
  parentPort.postMessage(reply);
});
