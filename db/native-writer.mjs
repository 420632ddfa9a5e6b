// Plain JavaScript (types in native-writer.d.mts): this module also runs in the database writer
// thread (writer-thread.mjs), which loads it from disk without the app's TypeScript build.
// ADR 019 explains the design.
import { statSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** A program step failed on purpose (`failIfNoRow`): the program's writes roll back. */
export class ProgramFailure extends Error {
  /** @param {string} code */
  constructor(code) {
    super(`Write program stopped: ${code}`);
    this.name = "ProgramFailure";
    this.code = code;
  }
}

/**
 * An error as plain data, to cross a thread boundary (the writer and reader threads); the main
 * thread rebuilds it (db/writer.ts, db/reader.ts).
 * @param {unknown} error
 */
export function plainError(error) {
  const e = /** @type {any} */ (error);
  return {
    name: String(e?.name ?? "Error"),
    message: String(e?.message ?? error),
    code: e?.code,
    rawCode: e?.rawCode,
    reason: e?.reason,
  };
}

/**
 * The file at the database's path is not the one this connection opened (deleted, or replaced
 * by another file): writes would go to an unlinked file and be lost (ADR 025).
 */
export class DatabaseFileChanged extends Error {
  /**
   * @param {string} path
   * @param {boolean} missing
   */
  constructor(path, missing) {
    super(
      missing
        ? `The database file ${path} was deleted while the server was running`
        : `The database file ${path} was replaced by another file while the server was running`,
    );
    this.name = "DatabaseFileChanged";
    this.code = "FLOWPAY_DATABASE_REPLACED";
  }
}

/**
 * The identity of the file at `path` (device and inode), or null when there is none. Cheap (one
 * stat): checked before and after every write group.
 * @param {string} path
 */
export function fileIdentity(path) {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/**
 * Throws DatabaseFileChanged when the file at `path` is not `identity` any more.
 * @param {string} path
 * @param {string | null} identity
 */
export function checkFileIdentity(path, identity) {
  if (identity === null) return;
  const now = fileIdentity(path);
  if (now !== identity) throw new DatabaseFileChanged(path, now === null);
}

/** @param {unknown} arg */
const isRef = (arg) => arg !== null && typeof arg === "object" && "ref" in arg;

/** A row without the native driver's `_metadata`. */
function plainRow(row) {
  if (!row) return undefined;
  const { _metadata: _ignored, ...rest } = row;
  return rest;
}

/**
 * Runs a write program's steps in order on an executor (`get`/`run`, sync or async). A step's
 * argument `{ ref: "customer.id" }` is the `id` column of the row step "customer" returned.
 */
export async function runProgram(x, program) {
  const rows = {};
  // A batch (program.collect) reports every statement's rows and changes, like client.batch().
  const results = program.collect ? [] : undefined;
  for (const step of program.steps) {
    const args = step.args.map((arg) => {
      if (!isRef(arg)) return arg;
      const [name, column] = arg.ref.split(".");
      const row = rows[name];
      if (!row) throw new Error(`Step argument ${arg.ref}: no row named ${name}`);
      return row[column] ?? null;
    });
    let row;
    if (step.all) {
      const all = (await x.all(step.sql, args)).map(plainRow);
      results?.push({ rows: all, rowsAffected: all.length });
    } else if (step.returns) {
      row = plainRow(await x.get(step.sql, args));
      results?.push({ rows: row ? [row] : [], rowsAffected: row ? 1 : 0 });
    } else {
      const info = await x.run(step.sql, args);
      results?.push({ rows: [], rowsAffected: Number(info?.changes ?? 0) });
    }
    if (step.name) rows[step.name] = row;
    if (step.returnIfRow && row) return { kind: "returned", step: step.name, row, rows };
    if (step.failIfNoRow && !row) throw new ProgramFailure(step.failIfNoRow);
  }
  return results ? { kind: "done", rows, results } : { kind: "done", rows };
}

/**
 * A connection to the embedded database through the native driver that @libsql/client itself
 * uses, keeping every statement compiled (@libsql/client compiles each one on every call), and
 * committing a group of programs in one transaction with a savepoint each (group commit, ADR 017).
 */
export class NativeWriter {
  /**
   * @param {string} path the database file
   * @param {number} busyTimeoutMs
   */
  constructor(path, busyTimeoutMs) {
    const Database = require("libsql");
    this.db = new Database(path, { timeout: busyTimeoutMs });
    this.path = path;
    /** The file this connection opened; every group checks the path still names it (ADR 025). */
    this.identity = fileIdentity(path);
    // The settings @libsql/client's connections run with (WAL itself is stored in the file).
    this.db.exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
    /** A group is between BEGIN and COMMIT (runGroup refuses to start a second one). */
    this.running = false;
    /** @type {Map<string, any>} compiled statements by SQL text (a handful of fixed texts) */
    this.statements = new Map();
    this.executor = {
      get: (sql, args) => this.using(sql, (statement) => statement.get(args)),
      all: (sql, args) => this.using(sql, (statement) => statement.all(args)),
      run: (sql, args) => this.using(sql, (statement) => statement.run(args)),
    };
  }

  statement(sql) {
    let found = this.statements.get(sql);
    if (found) {
      // Least recently used first: a hit moves to the end of the map's order.
      this.statements.delete(sql);
    } else {
      // Bounded: the job runner's statements vary with the number of jobs they name.
      if (this.statements.size >= 300) this.statements.delete(this.statements.keys().next().value);
      found = this.db.prepare(sql);
    }
    this.statements.set(sql, found);
    return found;
  }

  /**
   * A statement that failed is dropped from the cache: the native driver does not reset it, and
   * its next execution would report the same error again whatever it is given.
   */
  using(sql, work) {
    const statement = this.statement(sql);
    try {
      return work(statement);
    } catch (error) {
      this.statements.delete(sql);
      throw error;
    }
  }

  /**
   * Transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT, ROLLBACK) is not cached: a BEGIN or
   * COMMIT that fails with SQLITE_BUSY leaves its statement resumable — still "in progress" for
   * SQLite until it is reset, which the native driver cannot do — and every later SAVEPOINT then
   * failed with "cannot open savepoint - SQL statements in progress" (ADR 024). `db.exec`
   * compiles and finalizes each time; these statements take microseconds to compile.
   */
  exec(sql) {
    this.db.exec(sql);
  }

  /**
   * Runs the programs in one transaction, each in a savepoint: one that throws rolls back alone.
   * Resolves with each program's outcome; rejects (nothing committed) only when the transaction
   * itself fails — COMMIT, or an error after which SQLite abandoned the transaction.
   *
   * One group at a time, by construction (ADR 023): the steps are awaited, so a second call made
   * while a group is between two steps would BEGIN inside the first group's transaction — and its
   * ROLLBACK would undo the first group's writes. Callers queue (writer-thread.mjs, inlineRunner);
   * a call that overlaps anyway is refused before it touches the connection.
   */
  async runGroup(programs) {
    if (this.running) throw new Error("NativeWriter.runGroup called while a group is running");
    this.running = true;
    try {
      return await this.runGroupAlone(programs);
    } finally {
      this.running = false;
    }
  }

  /** @private */
  async runGroupAlone(programs) {
    checkFileIdentity(this.path, this.identity);
    this.exec("BEGIN IMMEDIATE");
    try {
      const outcomes = [];
      for (const program of programs) {
        this.exec("SAVEPOINT program");
        try {
          const value = await runProgram(this.executor, program);
          this.exec("RELEASE program");
          outcomes.push({ status: "fulfilled", value });
        } catch (reason) {
          if (!this.db.inTransaction) throw reason;
          this.exec("ROLLBACK TO program");
          this.exec("RELEASE program");
          outcomes.push({ status: "rejected", reason });
        }
      }
      // Checked again just before COMMIT, and after it: a group committed to a file that was
      // deleted or replaced meanwhile is lost, so it must not be acknowledged.
      checkFileIdentity(this.path, this.identity);
      this.exec("COMMIT");
      checkFileIdentity(this.path, this.identity);
      return outcomes;
    } catch (error) {
      if (this.db.inTransaction) this.exec("ROLLBACK");
      throw error;
    }
  }

  close() {
    this.statements.clear();
    this.db.close();
  }
}
