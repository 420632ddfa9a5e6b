import { sql, type SQL } from "drizzle-orm";
import type { Tx } from "./client";
import { runProgram, type Step } from "./native-writer.mjs";

/** Values a statement binds: what SQLite stores (times as epoch milliseconds, JSON as text). */
export type SqlValue = string | number | bigint | null | Uint8Array;

/**
 * A write transaction seen as plain SQL with `?` placeholders. The hot paths (the CRM intake and
 * what it calls: outbox enqueue, texts, links, audit) are written against this, so the same code
 * runs on the embedded database's native connection, whose compiled statements are cached
 * (db/native.ts), and, on a remote libSQL server, inside an ordinary drizzle transaction (ADR 019).
 */
export type SqlTx = {
  readonly kind: "sql";
  /** The first row, or undefined. */
  get<T>(text: string, args: readonly SqlValue[]): Promise<T | undefined>;
  all<T>(text: string, args: readonly SqlValue[]): Promise<T[]>;
  run(text: string, args: readonly SqlValue[]): Promise<void>;
};

/** Either kind of write transaction; helpers that accept both turn it into a SqlTx. */
export type AnyTx = Tx | SqlTx;

export function isSqlTx(tx: unknown): tx is SqlTx {
  return (tx as { kind?: unknown } | null)?.kind === "sql";
}

/** `?` placeholders bound in order, as a drizzle SQL object (our own SQL has no `?` in literals). */
function bound(text: string, args: readonly SqlValue[]): SQL {
  const parts = text.split("?");
  if (parts.length !== args.length + 1) {
    throw new TypeError(`SQL has ${parts.length - 1} placeholders but ${args.length} values`);
  }
  const chunks: SQL[] = [sql.raw(parts[0]!)];
  args.forEach((value, i) => chunks.push(sql`${value}`, sql.raw(parts[i + 1]!)));
  return sql.join(chunks);
}

/** A drizzle write transaction as a SqlTx. */
export function drizzleSqlTx(tx: Tx): SqlTx {
  return {
    kind: "sql",
    // all()[0], not get(): drizzle's raw get() throws on a statement that returns no row.
    get: async <T>(text: string, args: readonly SqlValue[]) =>
      (await tx.all<T>(bound(text, args)))[0],
    all: <T>(text: string, args: readonly SqlValue[]) => tx.all<T>(bound(text, args)),
    run: async (text, args) => {
      await tx.run(bound(text, args));
    },
  };
}

/** Whichever transaction a helper was handed, as a SqlTx. */
export function asSqlTx(tx: AnyTx): SqlTx {
  if (isSqlTx(tx)) return tx;
  if (!tx || typeof (tx as { rollback?: unknown }).rollback !== "function") {
    throw new TypeError("This runs inside a write transaction: database.write((tx) => …)");
  }
  return drizzleSqlTx(tx);
}

/** `INSERT INTO table (a, b) VALUES (?, ?)` for these columns, built once per call site. */
export function insertSql(table: string, columns: readonly string[], suffix = "") {
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})${suffix ? ` ${suffix}` : ""}`;
}

/** Runs write-program steps inside the caller's transaction (either kind). */
export function runSteps(tx: AnyTx, steps: Step[]) {
  return runProgram(asSqlTx(tx), { steps });
}
