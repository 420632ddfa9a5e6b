import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Sqlite from "libsql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "~/db/migrate";
import { historyDays, dayMs } from "./scale-rows";
import {
  rollupDifferences,
  rollupMachinery,
  seedScale,
  seededBefore,
  type Seeded,
} from "./scale-seed";

// bench:scale's seeder (ADR 086): templates, clones and the newest days make one consistent
// database whose rollups equal brute force — and the check that says so can fail.
const n = 4_000;
let root = "";
let seeded: Seeded;
let db: Sqlite.Database;
const one = <T>(sql: string) => db.prepare(sql).get() as T;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "flowpay-scale-seed-"));
  seeded = await seedScale({ dataDir: join(root, `n${n}`), dataRoot: root, n, log: () => {} });
  db = new Sqlite(join(root, `n${n}`, "flowpay.db"));
}, 120_000);
afterAll(() => {
  db?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("bench:scale seeder", () => {
  it("writes N applications over 18 months, each with its customer, job, link, text and search row", () => {
    const ours = "id LIKE 'app\\_0%' ESCAPE '\\'";
    expect(one<{ c: number }>(`SELECT count(*) AS c FROM applications WHERE ${ours}`).c).toBe(n);
    const span = one<{ lo: number; hi: number }>(
      `SELECT min(created_at) AS lo, max(created_at) AS hi FROM applications WHERE ${ours}`,
    );
    expect((span.hi - span.lo) / dayMs).toBeGreaterThan(historyDays - 15);
    for (const table of ["customers", "service_jobs", "application_links", "messages"]) {
      const id =
        table === "customers"
          ? "a.customer_id = t.id"
          : table === "service_jobs"
            ? "a.service_job_id = t.id"
            : "t.application_id = a.id";
      expect(
        one<{ c: number }>(
          `SELECT count(*) AS c FROM applications a WHERE ${ours} AND NOT EXISTS (SELECT 1 FROM ${table} t WHERE ${id})`,
        ).c,
        table,
      ).toBe(0);
    }
    expect(
      one<{ c: number }>(
        `SELECT count(*) AS c FROM applications a WHERE ${ours} AND NOT EXISTS (SELECT 1 FROM application_search_rows r WHERE r.application_id = a.id)`,
      ).c,
    ).toBe(0);
    // Every funded application has its loan and selected offer; every clone's job names its own subject.
    expect(
      one<{ c: number }>(
        `SELECT count(*) AS c FROM applications a WHERE ${ours} AND a.status = 'funded' AND (NOT EXISTS (SELECT 1 FROM loans l WHERE l.application_id = a.id) OR NOT EXISTS (SELECT 1 FROM offers o WHERE o.id = a.selected_offer_id AND o.application_id = a.id))`,
      ).c,
    ).toBe(0);
    expect(
      one<{ c: number }>(
        `SELECT count(*) AS c FROM outbox o WHERE kind = 'decide-application' AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.application_id = json_extract(o.payload, '$.applicationId'))`,
      ).c,
    ).toBe(0);
  });

  it("holds no completed job or CRM call log that retention would have pruned", () => {
    const weekAgo = Date.now() - 7 * dayMs - 60_000;
    const quarterAgo = Date.now() - 90 * dayMs - 60_000;
    expect(
      one<{ c: number }>(
        `SELECT count(*) AS c FROM outbox WHERE state = 'completed' AND completed_at < ${weekAgo}`,
      ).c,
    ).toBe(0);
    expect(
      one<{ c: number }>(`SELECT count(*) AS c FROM crm_sync_logs WHERE created_at < ${quarterAgo}`)
        .c,
    ).toBe(0);
    expect(one<{ c: number }>(`SELECT count(*) AS c FROM crm_sync_logs`).c).toBeGreaterThan(0);
  });

  it("keeps open reviews and offers awaiting funding to the newest weeks", () => {
    const oldest = (sql: string) =>
      (Date.now() - (one<{ t: number | null }>(sql).t ?? Date.now())) / dayMs;
    expect(
      oldest("SELECT min(created_at) AS t FROM manual_reviews WHERE status = 'pending'"),
    ).toBeLessThan(15);
    expect(
      oldest("SELECT min(created_at) AS t FROM applications WHERE status = 'offer_accepted'"),
    ).toBeLessThan(61);
  });

  it("leaves rollups equal to brute force, and the comparison finds a rollup that is off", () => {
    const { tables, backfills } = rollupMachinery(db, migrationsFolder);
    expect(tables).toContain("daily_rollups");
    expect(rollupDifferences(db, tables, backfills)).toEqual([]);
    db.exec(
      "UPDATE daily_rollups SET n = n + 1 WHERE rowid = (SELECT max(rowid) FROM daily_rollups WHERE metric = 'decision')",
    );
    const differences = rollupDifferences(db, tables, backfills);
    expect(differences.length).toBeGreaterThan(0);
    expect(differences[0]).toMatch(/^daily_rollups: .*"decision"/);
  });

  it("is found again by --reuse for the same N only", () => {
    expect(seededBefore(join(root, `n${n}`), n)?.fundedId).toBe(seeded.fundedId);
    expect(seededBefore(join(root, `n${n}`), n + 1)).toBeNull();
  });
});
