/**
 * The audit log's actor filter (FlowOps → Audit log, "actor"): the rows of that actor only,
 * newest first, page by page — read through the actor index, never by walking the whole audit
 * history (migration 0050, ADR 088).
 */
import type { InStatement } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/db/testing";
import { parseAuditFilters, searchAuditLogs } from "./audit-log.server";

/** The filters as the audit log page reads them from its URL. */
const filters = (query: string) => parseAuditFilters(new URLSearchParams(query)).filters!;

const database = await createTestDatabase();
afterAll(() => database.destroy());

// Many system rows, and an API key's rows among them every 40th.
await database.serialized(async () => {
  for (let i = 0; i < 400; i++) {
    const apiKey = i % 40 === 0;
    await database.client.execute({
      sql: `INSERT INTO audit_logs (at, actor_type, actor_id, action, entity_type, entity_id)
            VALUES (?, ?, ?, ?, 'application', ?)`,
      args: [
        1_796_000_000_000 + i,
        apiKey ? "api_key" : "system",
        apiKey ? "key_01test" : "decisioning",
        apiKey ? "application.create" : "application.decided",
        `app_${i}`,
      ],
    });
  }
});

describe("audit log filtered by actor", () => {
  it("lists that actor's rows only, newest first, and pages through them", async () => {
    const first = await searchAuditLogs(database, filters("actor=key_01test"), 6);
    expect(first.rows.map((r) => r.entityId)).toEqual([
      "app_360",
      "app_320",
      "app_280",
      "app_240",
      "app_200",
      "app_160",
    ]);
    expect(first.rows.every((r) => r.actorType === "api_key")).toBe(true);
    const next = await searchAuditLogs(
      database,
      filters(`actor=key_01test&before=${first.older!}`),
      6,
    );
    expect(next.rows.map((r) => r.entityId)).toEqual(["app_120", "app_80", "app_40", "app_0"]);
    expect(next.older).toBeNull();
  });

  it("reads them through the actor index, not the whole history", async () => {
    // Captured as app/ops/query-plans.test.ts does (an own `execute` wraps the class's method),
    // on this thread's client: the page's reads are sent here instead of to the reader threads.
    type Execute = (stmt: InStatement) => Promise<unknown>;
    const client = database.client as unknown as { execute: Execute };
    const method = (Object.getPrototypeOf(client) as { execute: Execute }).execute;
    const statements: InStatement[] = [];
    client.execute = function (this: unknown, stmt: InStatement) {
      statements.push(stmt);
      return method.call(this, stmt);
    };
    try {
      await searchAuditLogs({ ...database, reader: database }, filters("actor=key_01test"));
    } finally {
      delete (client as { execute?: Execute }).execute;
    }
    const query = statements.find(
      (s) => typeof s !== "string" && /from "audit_logs"/i.test(s.sql),
    ) as { sql: string; args: never[] } | undefined;
    expect(query).toBeDefined();
    const plan = await database.client.execute({
      sql: `EXPLAIN QUERY PLAN ${query!.sql}`,
      args: query!.args,
    });
    const detail = plan.rows.map((row) => String(row.detail));
    expect(detail.join("\n")).toMatch(/SEARCH audit_logs USING INDEX audit_actor_id_idx/);
    expect(detail.join("\n")).not.toMatch(/TEMP B-TREE/);
  });
});
