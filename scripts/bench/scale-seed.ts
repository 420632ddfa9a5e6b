/**
 * bench:scale's seeder (issue 19, ADR 086): N applications in three parts.
 *
 * 1. **Templates** — the oldest `templateCount` applications, written row by row with the app's
 *    own row shapes (scale-rows.ts) while every trigger runs (search index, merchant events,
 *    rollups), in the issue's status mix.
 * 2. **Clones** — the bulk, by set-based SQL: each template's rows (customer, job, application,
 *    decision, offers, loan, link, text, jobs, CRM call, audit rows) copied by one
 *    `INSERT … SELECT` per table for a whole chunk of clones at a time, with the ids, CRM ids,
 *    contact details, merchant and every `*_at` moved to the clone's place on the 18-month
 *    timeline (the same formulas as scale-rows.ts, in SQL). During this part the tables' secondary
 *    indexes are dropped and the rollup triggers are off; afterwards the indexes are re-created
 *    (one sort each, instead of a million random B-tree inserts) and every rollup table is
 *    recomputed from the tables by the migrations' own backfill statements, then the triggers are
 *    put back exactly as they were (their SQL from sqlite_master).
 * 3. **The newest fortnight** — written row by row again with the triggers on, in the full mix
 *    (open manual reviews only exist there): the rollups' incremental path at work.
 *
 * Then the rollups are checked against brute force (the backfill statements run again into a
 * scratch table, compared both ways) and `PRAGMA foreign_key_check` must find nothing.
 * The file is written in WAL mode with `synchronous = OFF` (nothing else opens it while it is
 * seeded), and checkpointed at the end.
 */
import {
  existsSync,
  readFileSync,
  statSync,
  writeFileSync,
  copyFileSync,
  mkdirSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import Sqlite from "libsql";
import {
  benchMerchantId,
  createdAtSql,
  dayMs,
  historyDays,
  merchantSql,
  pad,
  randomFrom,
  rowWriters,
  writeApplication,
} from "./scale-rows";

/** What a measurement needs from a seeded directory; kept in `seed.json` beside the file. */
export type Seeded = {
  applications: number;
  seededAt: string;
  seedSeconds: number;
  phases: Record<string, number>;
  bytes: number;
  fundedId: string;
  ownerUserId: string;
  merchantId: string;
  apiKey: string;
  rollupsChecked: boolean;
};

/** Applications cloned from: a multiple of 2 × 9 × 50, so a clone keeps its template's merchant and CRM-error pattern. */
export const templateCount = 900;
/** The newest days written row by row, with open reviews (older ones were worked through). */
const tailDays = 16;

type Log = (message: string) => void;

const seedFile = (dataDir: string) => join(dataDir, "seed.json");

/** A directory seeded earlier for this N (`--reuse`), or null. */
export function seededBefore(dataDir: string, n: number): Seeded | null {
  const file = seedFile(dataDir);
  if (!existsSync(file) || !existsSync(join(dataDir, "flowpay.db"))) return null;
  const seeded = JSON.parse(readFileSync(file, "utf8")) as Seeded;
  return seeded.applications === n ? seeded : null;
}

/** Tables cloned, parents first (the search trigger reads the customer and job of an application). */
const clonedTables = [
  "customers",
  "service_jobs",
  "applications",
  "decisions",
  "offers",
  "loans",
  "application_links",
  "messages",
  "outbox",
  "crm_sync_logs",
  "audit_logs",
] as const;

/** Which template application each template row belongs to (`src`), per table. */
function templateRowsSql(
  table: string,
  lastTemplate: string,
  ranges: Record<string, [number, number]>,
) {
  const appRange = (column: string, prefix: string) =>
    `${column} BETWEEN '${prefix}${pad(0)}' AND '${prefix}${lastTemplate}'`;
  switch (table) {
    case "customers":
    case "service_jobs":
      return `SELECT 'app_' || substr(id, 5) AS src, * FROM ${table} WHERE ${appRange("id", table === "customers" ? "cus_" : "job_")}`;
    case "applications":
      return `SELECT id AS src, * FROM applications WHERE ${appRange("id", "app_")}`;
    case "outbox": {
      const [from, to] = ranges.outbox!;
      return `SELECT coalesce(json_extract(payload, '$.applicationId'), 'app_' || substr(json_extract(payload, '$.messageId'), 5)) AS src, * FROM outbox WHERE id > ${from} AND id <= ${to}`;
    }
    case "audit_logs": {
      const [from, to] = ranges.audit_logs!;
      return `SELECT entity_id AS src, * FROM audit_logs WHERE id > ${from} AND id <= ${to}`;
    }
    default:
      return `SELECT application_id AS src, * FROM ${table} WHERE ${appRange("application_id", "app_")}`;
  }
}

/** The clone's value of one column: `s` the template row, `m` the clone (g, nd = padded g, delta, merchant). */
function cloneColumn(table: string, column: string): string | null {
  const offer = (col: string) =>
    `CASE WHEN s.${col} IS NULL THEN NULL ELSE 'off_' || printf('%026d', m.g * 3 + CAST(substr(s.${col}, 5) AS INTEGER) % 3) END`;
  if (column === "id") {
    if (table === "outbox" || table === "audit_logs") return null; // INTEGER PRIMARY KEY: a new one
    if (table === "offers") return offer("id");
    return `substr(s.id, 1, instr(s.id, '_')) || m.nd`;
  }
  switch (column) {
    case "merchant_id":
      return "m.merchant";
    case "customer_id":
      return "'cus_' || m.nd";
    case "service_job_id":
      return "'job_' || m.nd";
    case "application_id":
      return "'app_' || m.nd";
    case "decision_id":
      return "CASE WHEN s.decision_id IS NULL THEN NULL ELSE 'dec_' || m.nd END";
    case "offer_id":
    case "selected_offer_id":
      return offer(column);
    case "crm_customer_id":
      return "'CUS-' || m.g";
    case "crm_job_id":
      return "'JOB-' || m.g";
    case "email":
      return table === "customers" ? "'c' || m.g || '@example.com'" : `s.${column}`;
    case "last_name":
      return "'Rivera' || (m.g % 997)";
    case "phone":
      return "'+1512555' || printf('%04d', m.g % 10000)";
    case "token_hash":
      return "'h' || printf('%063d', m.g)";
    case "payload":
      return "replace(s.payload, substr(m.src, 5), m.nd)";
    case "entity_id":
      return "'app_' || m.nd";
  }
  if (column === "at" || column.endsWith("_at")) return `s.${column} + m.delta`;
  return `s.${column}`;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Rollup tables, the triggers that keep them, and the migrations' statements that fill them. */
export function rollupMachinery(db: Sqlite.Database, migrationsFolder: string) {
  const tables = (
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%rollup%'")
      .all() as { name: string }[]
  ).map((r) => r.name);
  const mentions = (sql: string) =>
    tables.some((t) => new RegExp(`\\b(INTO|UPDATE|FROM)\\s+[\`"]?${t}\\b`, "i").test(sql));
  const triggers = (
    db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as {
      name: string;
      sql: string;
    }[]
  ).filter((t) => mentions(t.sql));
  // Top-level statements of the migrations that write a rollup table (the backfills), in order.
  const backfills: string[] = [];
  for (const migration of readMigrationFiles({ migrationsFolder })) {
    for (const raw of migration.sql) {
      const statement = raw
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim();
      if (/^CREATE\s+TRIGGER/i.test(statement)) continue;
      if (/^(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(statement) && mentions(statement))
        backfills.push(statement);
    }
  }
  return { tables, triggers, backfills };
}

/** Every rollup row the triggers hold that brute force does not, and the other way round. */
export function rollupDifferences(db: Sqlite.Database, tables: string[], backfills: string[]) {
  const differences: string[] = [];
  for (const table of tables) {
    const scratch = `bench_bf_${table}`;
    db.exec(
      `DROP TABLE IF EXISTS temp.${scratch}; CREATE TEMP TABLE ${scratch} AS SELECT * FROM main.${table} WHERE 0`,
    );
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as {
      name: string;
      pk: number;
    }[];
    const keyColumns = columns.filter((c) => c.pk > 0).map((c) => c.name);
    // The brute force sums what the backfills insert per key (a later backfill may add to a key).
    const valueColumns = columns.filter((c) => c.pk === 0).map((c) => c.name);
    for (const statement of backfills) {
      const into = statement.match(new RegExp(`^INSERT\\s+INTO\\s+[\`"]?${table}[\`"]?`, "i"));
      if (!into) continue;
      db.exec(statement.replace(into[0], `INSERT INTO temp.${scratch}`));
    }
    const summed = `SELECT ${keyColumns.join(", ")}, ${valueColumns.map((c) => `sum(${c}) AS ${c}`).join(", ")} FROM temp.${scratch} GROUP BY ${keyColumns.join(", ")}`;
    const live = `SELECT ${[...keyColumns, ...valueColumns].join(", ")} FROM main.${table}`;
    const nonZero = valueColumns.map((c) => `${c} <> 0`).join(" OR ");
    const rows = db
      .prepare(
        `SELECT 'rollups only' AS side, * FROM (${live} WHERE ${nonZero} EXCEPT SELECT * FROM (${summed}) WHERE ${nonZero})
         UNION ALL
         SELECT 'brute force only', * FROM (SELECT * FROM (${summed}) WHERE ${nonZero} EXCEPT ${live} WHERE ${nonZero})
         LIMIT 20`,
      )
      .all();
    for (const row of rows) differences.push(`${table}: ${JSON.stringify(row)}`);
    db.exec(`DROP TABLE temp.${scratch}`);
  }
  return differences;
}

export async function seedScale(options: {
  dataDir: string;
  /** Where the secrets every size shares live (dev-secrets.json). */
  dataRoot: string;
  n: number;
  log: Log;
  /** Clones per statement (bounds the transaction and the temporary B-trees). */
  chunk?: number;
}): Promise<Seeded> {
  const { dataDir, dataRoot, n, log } = options;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // The app's modules read their environment once per process: every size shares the secrets
  // kept under the data root (dev-secrets.json), copied to each server's data directory.
  process.env.DATA_DIR = dataRoot;
  process.env.FLOWPAY_ENV = "test";
  const { openDatabase } = await import("~/db/client");
  const { migrateDatabase, migrationsFolder } = await import("~/db/migrate");
  const { seedDemo, demo } = await import("~/app/demo/seed.server");
  const file = join(dataDir, "flowpay.db");
  const database = await openDatabase({ url: `file:${file}` });
  await migrateDatabase(database);
  await seedDemo(database, dataDir);
  copyFileSync(join(dataRoot, "dev-secrets.json"), join(dataDir, "dev-secrets.json"));
  const demoMerchant = await database.db.query.merchants.findFirst({
    where: (m, { eq }) => eq(m.slug, demo.merchantSlug),
  });
  const owner = await database.db.query.merchantMemberships.findFirst({
    where: (m, { eq }) => eq(m.merchantId, demoMerchant!.id),
  });
  database.close();
  const demoMerchantId = demoMerchant!.id;

  const started = performance.now();
  const phases: Record<string, number> = {};
  let phaseStart = started;
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round((now - phaseStart) / 100) / 10;
    phaseStart = now;
    log(`  ${name}: ${phases[name]} s`);
  };

  const db = new Sqlite(file);
  // WAL as the app runs it (the app's closed connection still holds the file: no journal_mode
  // change is possible in this process), without fsyncs: a failed seed is simply seeded again.
  db.exec(
    "PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -1000000; PRAGMA temp_store = FILE",
  );
  const now = Date.now();
  const add = rowWriters(db);
  db.transaction(() => {
    for (let m = 1; m < 10; m++) {
      const at = new Date(now - (historyDays + 50) * dayMs);
      add.merchant({
        id: benchMerchantId(m),
        name: `Bench Merchant ${m}`,
        slug: `bench-merchant-${m}`,
        createdAt: at,
        updatedAt: at,
      });
    }
  })();

  const T = Math.min(templateCount, n);
  // The newest fortnight (and a little more) row by row; everything before it from templates.
  const tailStart = Math.max(T, n - Math.ceil((n * tailDays) / historyDays));
  const maxId = (table: string) =>
    Number(
      (db.prepare(`SELECT coalesce(max(id), 0) AS id FROM ${table}`).get() as { id: number }).id,
    );
  const ranges: Record<string, [number, number]> = {
    outbox: [maxId("outbox"), 0],
    audit_logs: [maxId("audit_logs"), 0],
  };
  const random = randomFrom(n);
  // What retention (ADR 042) has already pruned in a database that has run for 18 months:
  // completed jobs after JOB_RETENTION_DAYS, CRM call logs after RETENTION_CRM_SYNC_LOG_DAYS
  // (their defaults). Seeding them would measure the first prune's deletes, not the pages.
  const cutoff = { job: now - 7 * dayMs, crm: now - 90 * dayMs };
  const context = {
    n,
    now,
    demoMerchantId,
    random,
    keep: (what: "job" | "crm", at: number) => at >= cutoff[what],
  };
  let fundedId: string | null = null;
  const writeRange = (from: number, to: number, rowContext = context) => {
    const batch = 5_000;
    for (let start = from; start < to; start += batch) {
      db.transaction(() => {
        for (let g = start; g < Math.min(to, start + batch); g++) {
          const written = writeApplication(add, g, rowContext);
          if (!fundedId && written.status === "funded" && written.merchantId === demoMerchantId)
            fundedId = written.id;
        }
      })();
    }
  };
  // Templates keep every row: their clones' times decide what is kept.
  writeRange(0, T, { ...context, keep: () => true });
  ranges.outbox![1] = maxId("outbox");
  ranges.audit_logs![1] = maxId("audit_logs");
  phase(`templates (${T} applications, row by row)`);

  if (tailStart > T) {
    // Rollup triggers off, secondary indexes dropped (their SQL kept), for the bulk.
    const rollups = rollupMachinery(db, migrationsFolder);
    const indexes = db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${clonedTables.map((t) => `'${t}'`).join(", ")})`,
      )
      .all() as { name: string; sql: string }[];
    for (const trigger of rollups.triggers) db.exec(`DROP TRIGGER ${quoteIdent(trigger.name)}`);
    for (const index of indexes) db.exec(`DROP INDEX ${quoteIdent(index.name)}`);

    const lastTemplate = pad(T - 1);
    for (const table of clonedTables) {
      db.exec(
        `CREATE TEMP TABLE tmpl_${table} AS ${templateRowsSql(table, lastTemplate, ranges)}; CREATE INDEX temp.tmpl_${table}_src ON tmpl_${table} (src)`,
      );
    }
    db.exec(
      "CREATE TEMP TABLE clone_map (src TEXT NOT NULL, g INTEGER NOT NULL, nd TEXT NOT NULL, merchant TEXT NOT NULL, delta INTEGER NOT NULL)",
    );
    const statements = clonedTables.map((table) => {
      const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[])
        .map((c) => ({ name: c.name, value: cloneColumn(table, c.name) }))
        .filter((c): c is { name: string; value: string } => c.value !== null);
      return db.prepare(
        `INSERT INTO main.${table} (${columns.map((c) => quoteIdent(c.name)).join(", ")})
         SELECT ${columns.map((c) => c.value).join(", ")}
         FROM temp.clone_map m JOIN temp.tmpl_${table} s ON s.src = m.src
         ${table === "outbox" ? `WHERE s.completed_at + m.delta >= ${cutoff.job}` : table === "crm_sync_logs" ? `WHERE s.created_at + m.delta >= ${cutoff.crm}` : ""}
         ORDER BY m.g${table === "offers" ? ", s.id" : ""}`,
      );
    });
    const fillMap = db.prepare(
      `INSERT INTO temp.clone_map (src, g, nd, merchant, delta)
       SELECT src, g, printf('%026d', g), ${merchantSql("g", demoMerchantId)}, ${createdAtSql("g", n, now)} - created_at
       FROM (SELECT a.src, a.created_at, k.k * ${T} + CAST(substr(a.src, 5) AS INTEGER) AS g
             FROM temp.tmpl_applications a,
                  (WITH RECURSIVE k(k) AS (SELECT ? UNION ALL SELECT k + 1 FROM k WHERE k < ?) SELECT k FROM k) k)
       WHERE g < ${tailStart}`,
    );
    const chunk = options.chunk ?? Math.max(1, Math.floor(50_000 / T));
    const lastClone = Math.ceil(tailStart / T) - 1;
    let reported = performance.now();
    for (let k = 1; k <= lastClone; k += chunk) {
      db.transaction(() => {
        db.exec("DELETE FROM temp.clone_map");
        fillMap.run(k, Math.min(lastClone, k + chunk - 1));
        for (const statement of statements) statement.run();
      })();
      if (performance.now() - reported > 15_000) {
        reported = performance.now();
        log(
          `    cloned up to ${Math.min(tailStart, (k + chunk) * T).toLocaleString("en-US")} applications`,
        );
      }
    }
    for (const table of clonedTables) db.exec(`DROP TABLE temp.tmpl_${table}`);
    // The templates' own jobs and CRM calls are as old as they are: pruned like the clones'.
    db.exec(
      `DELETE FROM outbox WHERE id > ${ranges.outbox![0]} AND id <= ${ranges.outbox![1]} AND completed_at < ${cutoff.job};
       DELETE FROM crm_sync_logs WHERE id BETWEEN 'csl_${pad(0)}' AND 'csl_${lastTemplate}' AND created_at < ${cutoff.crm}`,
    );
    db.exec("DROP TABLE temp.clone_map");
    phase(`clones (${(tailStart - T).toLocaleString("en-US")} applications, set-based)`);

    for (const index of indexes) db.exec(index.sql);
    phase(`indexes re-created (${indexes.length})`);
    db.transaction(() => {
      for (const table of rollups.tables) db.exec(`DELETE FROM ${table}`);
      for (const statement of rollups.backfills) db.exec(statement);
      for (const trigger of rollups.triggers) db.exec(trigger.sql);
    })();
    phase(
      `rollups recomputed (${rollups.tables.join(", ")}), ${rollups.triggers.length} triggers back`,
    );
  }

  writeRange(tailStart, n);
  phase(
    `newest ${tailDays} days (${(n - tailStart).toLocaleString("en-US")} applications, row by row, triggers on)`,
  );

  const rollups = rollupMachinery(db, migrationsFolder);
  const differences = rollupDifferences(db, rollups.tables, rollups.backfills);
  if (differences.length > 0) {
    throw new Error(`rollups differ from brute force:\n${differences.join("\n")}`);
  }
  const foreignKeys = db.prepare("PRAGMA foreign_key_check").all();
  if (foreignKeys.length > 0) {
    throw new Error(`foreign keys broken: ${JSON.stringify(foreignKeys.slice(0, 5))}`);
  }
  phase("checked: rollups = brute force, foreign keys");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();

  const seeded: Seeded = {
    applications: n,
    seededAt: new Date().toISOString(),
    seedSeconds: Math.round((performance.now() - started) / 100) / 10,
    phases,
    bytes: statSync(file).size,
    fundedId: fundedId ?? `app_${pad(n - 1)}`,
    ownerUserId: owner!.userId,
    merchantId: demoMerchantId,
    apiKey: readFileSync(join(dataDir, demo.apiKeyFile), "utf8").trim(),
    rollupsChecked: true,
  };
  writeFileSync(seedFile(dataDir), JSON.stringify(seeded, null, 2));
  return seeded;
}
