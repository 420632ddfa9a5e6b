import type { Client } from "@libsql/client";

/** How a database call is wrapped in a span: given by the app, which owns tracing. */
export type DatabaseCallTracer = <T>(
  name: string,
  attributes: Record<string, string | undefined>,
  run: () => Promise<T>,
) => Promise<T>;

let tracer: DatabaseCallTracer = (_name, _attributes, run) => run();

/**
 * db imports nothing of the app (ADR 038), so the app's observability installs its span helper
 * here when it loads (app/observability/tracing.server.ts); until then calls run untraced.
 */
export function traceDatabaseCallsWith(next: DatabaseCallTracer) {
  tracer = next;
}

/** Wraps a promise-returning client call in a span (a no-op without an SDK). */
function traced<T>(name: string, statement: string | undefined, run: () => Promise<T>) {
  return tracer(name, { "db.system": "sqlite", "db.statement": statement }, run);
}

function statementText(stmt: unknown): string | undefined {
  if (typeof stmt === "string") return stmt.slice(0, 200);
  if (stmt && typeof stmt === "object" && "sql" in stmt) return String(stmt.sql).slice(0, 200);
  return undefined;
}

/**
 * A libSQL client whose calls create spans ("db.execute", "db.batch", "db.transaction").
 * Only SQL text goes into spans — never bound values, which may carry PII.
 */
export function instrumentClient(client: Client): Client {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "execute") {
        return (stmt: unknown, args?: unknown) =>
          traced("db.execute", statementText(stmt), () =>
            (target.execute as (s: unknown, a?: unknown) => Promise<unknown>)(stmt, args),
          );
      }
      if (prop === "batch") {
        return (stmts: unknown[], mode?: unknown) =>
          traced("db.batch", `${stmts.length} statements`, () =>
            (target.batch as (s: unknown[], m?: unknown) => Promise<unknown>)(stmts, mode),
          );
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
