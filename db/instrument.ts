import type { Client } from "@libsql/client";
import { SpanKind } from "@opentelemetry/api";
import { withSpan } from "../app/observability/tracing.server";

/** Wraps a promise-returning client call in an OpenTelemetry span (a no-op without an SDK). */
function traced<T>(name: string, statement: string | undefined, run: () => Promise<T>) {
  return withSpan(name, { "db.system": "sqlite", "db.statement": statement }, run, SpanKind.CLIENT);
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
