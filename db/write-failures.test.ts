import { copyFileSync, mkdtempSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./client";
import { unavailableReason, type DatabaseUnavailableError } from "./errors";
import { migrateDatabase } from "./migrate";
import type { Program } from "./native-writer.mjs";

/**
 * The write path when the database cannot write (ADR 024, ADR 025), on real libSQL files: each
 * condition is produced for real (a lock held by another connection, a read-only or size-limited
 * connection, a missing directory, a killed writer thread, a file deleted or replaced).
 */
type NativeDb = {
  exec(sql: string): void;
  prepare(sql: string): { run(args?: unknown[]): unknown };
  close(): void;
};
const Native = createRequire(import.meta.url)("libsql") as new (
  path: string,
  options?: { timeout?: number },
) => NativeDb;

const dirs: string[] = [];
const opened: Database[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) {
    try {
      database.close();
    } catch {
      // already closed by the test
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function fresh(options: Partial<Parameters<typeof openDatabase>[0]> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "flowpay-writefail-"));
  dirs.push(dir);
  const path = join(dir, "test.db");
  const database = await openDatabase({ url: `file:${path}`, busyTimeoutMs: 100, ...options });
  opened.push(database);
  await migrateDatabase(database);
  return { database, dir, path };
}

const auditProgram = (entity: string): Program => ({
  steps: [
    {
      sql: "INSERT INTO audit_logs (at, actor_type, action, entity_id) VALUES (?, 'system', 'test.write', ?)",
      args: [Date.now(), entity],
    },
  ],
});

async function audits(database: Database, entity: string) {
  const row = await database.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM audit_logs WHERE entity_id = ${entity}`,
  );
  return row!.n;
}

/** Settles with the rejection's reason (or "resolved"): writes must answer, never hang. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "resolved" as const,
    (e: unknown) => e,
  );

describe("classifying SQLite's failures", () => {
  it("names each condition from the driver's real errors", async () => {
    const { path, dir } = await fresh();
    const capture = (work: () => void) => {
      try {
        work();
      } catch (error) {
        return error;
      }
      throw new Error("expected a failure");
    };
    const readOnly = new Native(path);
    readOnly.exec("PRAGMA query_only = 1");
    expect(
      unavailableReason(
        capture(() =>
          readOnly.exec(
            "INSERT INTO audit_logs (at, actor_type, action) VALUES (0, 'system', 'x')",
          ),
        ),
      ),
    ).toBe("read_only");
    readOnly.close();

    const holder = new Native(path);
    holder.exec("BEGIN EXCLUSIVE");
    const waiter = new Native(path, { timeout: 50 });
    expect(unavailableReason(capture(() => waiter.exec("BEGIN IMMEDIATE")))).toBe("busy");
    holder.exec("ROLLBACK");
    holder.close();
    waiter.close();

    const small = new Native(join(dir, "small.db"));
    small.exec("CREATE TABLE t (x BLOB); PRAGMA max_page_count = 2");
    expect(
      unavailableReason(capture(() => small.exec("INSERT INTO t VALUES (zeroblob(100000))"))),
    ).toBe("disk_full");
    small.close();

    expect(unavailableReason(capture(() => new Native(join(dir, "missing/dir/x.db"))))).toBe(
      "cannot_open",
    );
    // A bug is not "unavailable": a constraint stays a constraint.
    const c = new Native(path);
    expect(
      unavailableReason(capture(() => c.exec("INSERT INTO merchants (id) VALUES (NULL)"))),
    ).toBeNull();
    c.close();
  });
});

describe.each(["thread", "inline"] as const)("a locked database (writer %s)", (writer) => {
  it("refuses writes and the probe with 'busy', and works again once the lock is released", async () => {
    const { database, path } = await fresh({ writer });
    await database.probeWrite();
    const holder = new Native(path);
    holder.exec("BEGIN EXCLUSIVE");
    try {
      expect(unavailableReason(await outcome(database.writeProgram(auditProgram("a"))))).toBe(
        "busy",
      );
      expect(
        unavailableReason(
          await outcome(
            database.write((tx) =>
              tx.run(
                sql`INSERT INTO audit_logs (at, actor_type, action) VALUES (0, 'system', 'b')`,
              ),
            ),
          ),
        ),
      ).toBe("busy");
      expect(unavailableReason(await outcome(database.probeWrite()))).toBe("busy");
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    await database.probeWrite();
    await database.writeProgram(auditProgram("a"));
    expect(await audits(database, "a")).toBe(1);
    // The queue's own transactions work again too (their connection is not left stuck).
    await database.write((tx) =>
      tx.run(
        sql`INSERT INTO audit_logs (at, actor_type, action, entity_id) VALUES (0, 'system', 'c', 'c')`,
      ),
    );
    expect(await audits(database, "c")).toBe(1);
  });
});

describe.each(["thread", "inline"] as const)(
  "the database file deleted or replaced (writer %s, ADR 025)",
  (writer) => {
    it("refuses the next write after a replacement, for good, and says so once", async () => {
      const refusals: DatabaseUnavailableError[] = [];
      const { database, path, dir } = await fresh({
        writer,
        onRefused: (error) => refusals.push(error),
      });
      await database.writeProgram(auditProgram("before"));
      // Another file put in its place (a restore, a careless copy): a new inode at the same path.
      copyFileSync(path, join(dir, "copy.db"));
      renameSync(join(dir, "copy.db"), path);

      const refused = await outcome(database.writeProgram(auditProgram("after")));
      expect(unavailableReason(refused)).toBe("file_replaced");
      // Every later write, of either lane, is refused at once; the probe too.
      expect(
        unavailableReason(
          await outcome(
            database.write((tx) =>
              tx.run(
                sql`INSERT INTO audit_logs (at, actor_type, action) VALUES (0, 'system', 'x')`,
              ),
            ),
          ),
        ),
      ).toBe("file_replaced");
      expect(unavailableReason(await outcome(database.probeWrite()))).toBe("file_replaced");
      expect(database.writeHealth().refused?.reason).toBe("file_replaced");
      expect(refusals).toHaveLength(1);
      expect(refusals[0]!.message).toContain(path);
      // Nothing was acknowledged that went nowhere: the file at the path has no "after".
      const check = new Native(path);
      const row = (
        check.prepare(
          "SELECT count(*) AS n FROM audit_logs WHERE entity_id = 'after'",
        ) as unknown as {
          get(): { n: number };
        }
      ).get();
      check.close();
      expect(row.n).toBe(0);
    });

    it("refuses writes once the file is deleted", async () => {
      const { database, path } = await fresh({ writer });
      await database.writeProgram(auditProgram("before"));
      unlinkSync(path);
      expect(unavailableReason(await outcome(database.writeProgram(auditProgram("after"))))).toBe(
        "file_replaced",
      );
      expect(unavailableReason(await outcome(database.probeWrite()))).toBe("file_replaced");
    });
  },
);

describe("a writer thread that dies (ADR 024)", () => {
  it("is restarted: writes meanwhile fail with 503's reason, never hang, and work after", async () => {
    const crashes: number[] = [];
    const { database } = await fresh({
      writerThread: { testHooks: true, backoffMs: 20, onCrash: (_e, n) => crashes.push(n) },
    });
    await database.writeProgram(auditProgram("before"));
    database.crashWriterForTest();
    // Written while the thread is dying or restarting: refused as writer_dead, or committed by
    // the new thread — either way it settles.
    const during = await outcome(database.writeProgram(auditProgram("during")));
    if (during !== "resolved") expect(unavailableReason(during)).toBe("writer_dead");
    while (database.writeHealth().writer !== "running" || crashes.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await database.writeProgram(auditProgram("after"));
    expect(await audits(database, "after")).toBe(1);
    expect(crashes).toEqual([1]);
    await database.probeWrite();
  });

  it("is given up after the bound of restarts: onDead is called and writes keep failing", async () => {
    let dead: (error: Error) => void = () => {};
    const died = new Promise<Error>((resolve) => (dead = resolve));
    const { database, dir } = await fresh({
      writerThread: { testHooks: true, backoffMs: 10, maxRestarts: 2, onDead: (e) => dead(e) },
    });
    await database.writeProgram(auditProgram("before"));
    // The thread dies and cannot come back: its database's directory is gone.
    renameSync(dir, `${dir}-moved`);
    dirs.push(`${dir}-moved`);
    database.crashWriterForTest();
    const error = await died;
    expect(unavailableReason(error)).toBe("writer_dead");
    expect(error.message).toMatch(/gave up after 2 restarts/);
    expect(database.writeHealth().writer).toBe("dead");
    expect(unavailableReason(await outcome(database.writeProgram(auditProgram("x"))))).toBe(
      "writer_dead",
    );
  });
});
