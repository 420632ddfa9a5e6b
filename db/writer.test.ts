import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./client";
import { ProgramFailure, runProgram, type Program, type ProgramResult } from "./native-writer.mjs";
import { drizzleSqlTx } from "./sql-tx";
import { createTestDatabase } from "./testing";
import { newId } from "./ids";
import { threadRunner } from "./writer";

/**
 * Write programs (ADR 019) on real libSQL: in the writer thread (the default), in the server's
 * own thread, and — as on a remote server — inside a drizzle transaction. Same outcomes in all.
 */
const insertMerchant = `INSERT INTO merchants (id, name, slug, created_at, updated_at)
  VALUES (?, ?, ?, 0, 0) RETURNING id`;
const insertAudit = `INSERT INTO audit_logs (at, actor_type, action, entity_id)
  VALUES (?, 'system', 'test.program', ?)`;

function merchantProgram(slug: string, extra: Program["steps"] = []): Program {
  return {
    steps: [
      { sql: insertMerchant, args: [newId("mer"), "M", slug], returns: true, name: "merchant" },
      // A later step uses the id the first one returned.
      { sql: insertAudit, args: [Date.now(), { ref: "merchant.id" }] },
      ...extra,
    ],
  };
}

async function merchantCount(database: Database, slug: string) {
  const row = await database.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM merchants WHERE slug = ${slug}`,
  );
  return row!.n;
}

describe.each(["thread", "inline"] as const)("write programs, writer %s", (writer) => {
  let database: Database & { destroy(): void };
  let other: Database;
  beforeAll(async () => {
    const created = await createTestDatabase();
    // Reopen the migrated file with the writer under test.
    created.close();
    other = await openDatabase({ url: `file:${created.dir}/test.db`, writer });
    database = Object.assign(other, { destroy: created.destroy });
  });
  afterAll(() => database.destroy());

  it("runs the steps in one transaction, passing returned columns to later steps", async () => {
    const slug = `p-${writer}-ok`;
    const result = await database.writeProgram(merchantProgram(slug));
    expect(result.kind).toBe("done");
    const id = result.rows.merchant!.id as string;
    expect(id).toMatch(/^mer_/);
    const audit = await database.db.get<{ entity_id: string }>(
      sql`SELECT entity_id FROM audit_logs WHERE action = 'test.program' AND entity_id = ${id}`,
    );
    expect(audit?.entity_id).toBe(id);
  });

  it("commits programs queued together as a group; a failing one rolls back alone", async () => {
    const slugs = Array.from({ length: 12 }, (_, i) => `p-${writer}-group-${i}`);
    const outcomes = await Promise.allSettled(
      slugs.map((slug, i) =>
        database.writeProgram(
          merchantProgram(
            slug,
            i === 5
              ? [{ sql: "SELECT 1 WHERE 0", args: [], returns: true, failIfNoRow: "nothing" }]
              : [],
          ),
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(11);
    const failed = outcomes[5] as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(ProgramFailure);
    expect((failed.reason as ProgramFailure).code).toBe("nothing");
    expect(await merchantCount(database, slugs[5]!)).toBe(0);
    for (const slug of slugs.filter((_, i) => i !== 5)) {
      expect(await merchantCount(database, slug)).toBe(1);
    }
  });

  it("reports a constraint violation with SQLite's code and writes nothing of that program", async () => {
    const slug = `p-${writer}-dup`;
    await database.writeProgram(merchantProgram(slug));
    const error = await database.writeProgram(merchantProgram(slug)).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(await merchantCount(database, slug)).toBe(1);
  });

  it("stops at a step that found its row, writing nothing after it", async () => {
    const slug = `p-${writer}-replay`;
    await database.writeProgram(merchantProgram(slug));
    const again = await database.writeProgram({
      steps: [
        {
          sql: "SELECT id FROM merchants WHERE slug = ?",
          args: [slug],
          returns: true,
          returnIfRow: true,
          name: "existing",
        },
        ...merchantProgram(slug).steps,
      ],
    });
    expect(again.kind).toBe("returned");
    expect(again.kind === "returned" && again.row.id).toMatch(/^mer_/);
    expect(await merchantCount(database, slug)).toBe(1);
  });

  it("is serialised with the queue's drizzle transactions", async () => {
    const writes = Array.from({ length: 60 }, (_, i) =>
      i % 2
        ? database.writeProgram(merchantProgram(`p-${writer}-mixed-${i}`))
        : database.write(async (tx) => {
            await runProgram(drizzleSqlTx(tx), merchantProgram(`p-${writer}-mixed-${i}`));
          }),
    );
    await Promise.all(writes);
    const row = await database.db.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM merchants WHERE slug LIKE ${`p-${writer}-mixed-%`}`,
    );
    expect(row!.n).toBe(60);
  });
});

describe("write programs inside a drizzle transaction (a remote server)", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.destroy());

  it("gives the same results, and a failure rolls the whole transaction back", async () => {
    const ok = await database.write((tx) => runProgram(drizzleSqlTx(tx), merchantProgram("d-ok")));
    expect(ok.kind).toBe("done");
    await expect(
      database.write((tx) =>
        runProgram(
          drizzleSqlTx(tx),
          merchantProgram("d-fail", [
            { sql: "SELECT 1 WHERE 0", args: [], returns: true, failIfNoRow: "nothing" },
          ]),
        ),
      ),
    ).rejects.toBeInstanceOf(ProgramFailure);
    expect(await merchantCount(database, "d-ok")).toBe(1);
    expect(await merchantCount(database, "d-fail")).toBe(0);
  });
});

/**
 * ADR 048: the groups that wait in the writer thread while a transaction commits are committed
 * together in the next one — each still answered with its own programs' outcomes, a failing
 * program rolled back alone, and a transaction that fails failing every group in it.
 */
describe("the writer thread commits the groups that waited together", () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    const created = await createTestDatabase();
    created.close();
    dir = created.dir;
    path = join(dir, "test.db");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const slugOf = (g: number, p: number) => `w-${g}-${p}`;
  /** A group of three programs; each returns its own merchant's slug. */
  const group = (g: number, extra: (p: number) => Program["steps"] = () => []) =>
    Array.from({ length: 3 }, (_, p) => ({
      steps: [
        ...merchantProgram(slugOf(g, p)).steps,
        {
          sql: "SELECT slug FROM merchants WHERE id = ?",
          args: [{ ref: "merchant.id" as const }],
          returns: true,
          name: "own",
        },
        ...extra(p),
      ],
    }));

  it("answers each group with its own programs' outcomes", async () => {
    const runner = await threadRunner(path, 5000);
    const database = await openDatabase({ url: `file:${path}`, writer: "inline" });
    try {
      // Sent at once, straight to the thread: all but the first wait while it commits.
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, g) =>
          runner.group(
            group(g, (p) =>
              g === 7 && p === 1
                ? [{ sql: "SELECT 1 WHERE 0", args: [], returns: true, failIfNoRow: "nothing" }]
                : [],
            ),
          ),
        ),
      );
      answers.forEach((outcomes, g) => {
        expect(outcomes).toHaveLength(3);
        outcomes.forEach((outcome, p) => {
          if (g === 7 && p === 1) {
            expect(outcome.status).toBe("rejected");
            expect(((outcome as PromiseRejectedResult).reason as ProgramFailure).code).toBe(
              "nothing",
            );
          } else {
            expect(outcome.status).toBe("fulfilled");
            const value = (outcome as PromiseFulfilledResult<ProgramResult>).value;
            expect(value.rows.own?.slug).toBe(slugOf(g, p));
          }
        });
      });
      const row = await database.db.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM merchants WHERE slug LIKE 'w-%'`,
      );
      expect(row!.n).toBe(59);
      expect(await merchantCount(database, slugOf(7, 1))).toBe(0);
    } finally {
      runner.close();
      database.close();
    }
  });

  it("fails every group of a transaction that fails, and writes none of them", async () => {
    const runner = await threadRunner(path, 5000);
    const database = await openDatabase({ url: `file:${path}`, writer: "inline" });
    try {
      // The first group commits alone; the next four wait and go into one transaction, which a
      // program of group 3 ends (a ROLLBACK) — so that transaction fails as a whole. The first
      // group is made slow (a count to two million) so that the other four are certainly waiting
      // when it ends, however the machine schedules this thread between sending them.
      const slow: Program["steps"] = [
        {
          sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) AS n FROM c",
          args: [],
          returns: true,
          name: "slow",
        },
      ];
      const sent = [100, 101, 102, 103, 104].map((g) =>
        runner.group(
          group(g, (p) =>
            g === 100 && p === 0
              ? slow
              : g === 103 && p === 0
                ? [{ sql: "ROLLBACK", args: [] }]
                : [],
          ),
        ),
      );
      const settled = await Promise.allSettled(sent);
      expect(settled.map((s) => s.status)).toEqual([
        "fulfilled",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
      ]);
      expect(await merchantCount(database, slugOf(100, 0))).toBe(1);
      for (const g of [101, 102, 103, 104]) {
        for (let p = 0; p < 3; p++) expect(await merchantCount(database, slugOf(g, p))).toBe(0);
      }
    } finally {
      runner.close();
      database.close();
    }
  });
});

/**
 * ADR 023: the writer thread runs one group at a time by construction (a queue inside the
 * thread), on every runtime. Groups are sent straight to the thread — no write queue in front
 * keeps them apart — and every program of every group must commit. Under Deno the thread used to
 * start a group inside another ("cannot start a transaction within a transaction").
 */
describe("the writer thread under concurrent groups", () => {
  const root = resolve(import.meta.dirname, "..");
  const script = join(root, "scripts/testing/writer-thread-stress.ts");
  type Outcome = {
    groups: number;
    programs: number;
    rows: number;
    failed: number;
    failures: string[];
  };
  const run = (command: string, args: string[]): Outcome => {
    const out = execFileSync(command, args, { cwd: root, encoding: "utf8", timeout: 120_000 });
    return JSON.parse(out.trim().split("\n").pop()!) as Outcome;
  };
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "flowpay-writer-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it("commits every program of 300 concurrent groups on Node", () => {
    const dir = tempDir();
    const outcome = run(join(root, "node_modules/.bin/tsx"), [script, dir, "300", "4"]);
    expect(outcome.failures).toEqual([]);
    expect(outcome).toMatchObject({ programs: 1200, rows: 1200, failed: 0 });
  });

  it("commits every program of 300 concurrent groups on Deno", () => {
    const dir = tempDir();
    // The permissions the e2e and `npm run start:deno` give the server, narrowed to this dir.
    const outcome = run(join(root, "node_modules/.bin/deno"), [
      "run",
      "--allow-read",
      `--allow-write=${dir}`,
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      script,
      dir,
      "300",
      "4",
    ]);
    expect(outcome.failures).toEqual([]);
    expect(outcome).toMatchObject({ programs: 1200, rows: 1200, failed: 0 });
  });
});
