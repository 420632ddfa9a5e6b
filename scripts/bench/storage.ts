/**
 * `npm run bench:storage [-- --applications 100] [--json] [--keep]` (issue 19, ADR 085): bytes
 * per funded application, by table, before and after compression.
 *
 * N applications are funded through the app's own code paths, in-process (the funding tests'
 * way, app/lending/test-helpers.ts): the CRM intake with the link texted, the borrower's answers
 * and consents, the real decide() with the sandbox bureau (decision snapshot, offers), the credit
 * score notice PDF the offers page stores, the e-signature (signed agreement PDF, consent,
 * e-mail), then the app's job handlers run by a job runner: loan creation and disbursement at a
 * real mock lender over HTTP, its signed `loan.funded` webhook through our route, the ledger, the
 * borrower's texts and e-mails, audit rows, merchant events.
 *
 * Then three copies of the file, each VACUUMed and measured with SQLite's `dbstat` (pages per
 * table, its indexes counted with it), less an empty database's:
 *
 * - after: as the app writes now (snapshots and documents compressed, db/compressed.ts);
 * - before: the same rows with those values decoded back to what was stored before compression;
 * - compacted: the "before" copy after the maintenance round's compaction of old rows
 *   (app/storage/compact.server.ts) — must come back to "after";
 * - kept: the "after" copy a year on, once the retention rules and the job runner have pruned
 *   what they prune (completed jobs, CRM call logs, lender calls, link tokens…): what each funded
 *   application costs for the long term; `keptBtrees` splits it by table and index (ADR 088).
 *
 * And the cost: encode/decode time per snapshot and per document, and the sizes the
 * alternatives would give (brotli qualities, gzip) on the same values.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import Sqlite from "libsql";
import { startLenderTestBed } from "~/scripts/testing/lender-test-bed";
import { percentile, roundTo } from "./stats";

const { values } = parseArgs({
  options: {
    applications: { type: "string", default: "100" },
    json: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const n = Number(values.applications);
if (!Number.isInteger(n) || n < 1) throw new Error("--applications: a whole number ≥ 1");
const log = (...args: unknown[]) => {
  if (!values.json) console.error(...args);
};

const bed = await startLenderTestBed({
  apiKey: "bench-storage-lender-key",
  webhookSecret: "bench-storage-lender-secret",
  fundingDelayMs: 5,
});
const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { openApplication, makeDecidable, signFirstOffer } =
  await import("~/app/lending/test-helpers");
const { decide } = await import("~/app/decisioning/decide.server");
const { ensureDecisioningDefaults } = await import("~/app/decisioning/seed.server");
const { ensureScoreNoticePdf } = await import("~/app/decisioning/score-notice.server");
const { createAppJobRegistry } = await import("~/jobs/handlers/index");
const { testRunner, waitFor } = await import("~/jobs/testing/helpers");
const { compactStoredRows } = await import("~/app/storage/compact.server");
const { compress, decodeBytes, decodeText, encodeJsonText } =
  await import("~/db/schema/compressed");
const { StoredDocument, decodeDocument } = await import("~/db/schema/document-bytes");
const { openDatabase } = await import("~/db/client");
const { applyRetention } = await import("~/app/retention/prune.server");
const { retentionDefaults, retentionRules } = await import("~/app/retention/policy");
const { pruneCompletedJobs } = await import("~/jobs/admin.server");

/**
 * A file's documents as the PDFs they hold, whatever their stored form (ADR 085 alone, or the tail
 * of a stream against a shared dictionary, ADR 087).
 */
function storedPdfs(db: InstanceType<typeof Sqlite>) {
  const heads = new Map(
    (
      db.prepare("SELECT id, head, prefix_length AS p FROM document_dictionaries").all() as {
        id: number;
        head: ArrayBuffer;
        p: number;
      }[]
    ).map((d) => [d.id, { head: Buffer.from(d.head), prefixLength: d.p }]),
  );
  return (
    db.prepare("SELECT rowid AS r, kind, bytes, dictionary_id AS d FROM documents").all() as {
      r: number;
      kind: string;
      bytes: ArrayBuffer;
      d: number | null;
    }[]
  ).map((row) => ({
    rowid: row.r,
    kind: row.kind,
    // libsql gives a BLOB as an ArrayBuffer.
    bytes: decodeDocument(
      new StoredDocument(Buffer.from(row.bytes)),
      row.d === null ? null : heads.get(row.d)!,
    ),
  }));
}

const database = await appDatabase();
const workDir = mkdtempSync(join(tmpdir(), "flowpay-bench-storage-"));
const merchant = await createMerchant({ name: "Acme Pest Control", merchantFeeBps: 300 });
await ensureDecisioningDefaults(database);
const emptyFile = join(workDir, "empty.db");
await database.client.execute({ sql: "VACUUM INTO ?", args: [emptyFile] });

log(`funding ${n} applications …`);
const started = performance.now();
// The texts' and CRM notes' rate limits (jobs/throughput.ts) lifted for the run: a year on, every
// one of them has been sent and its job pruned, and "kept" must count that state, not jobs still
// waiting for their minute when the bench stops (ADR 088; up to ADR 085 they were counted).
const registry = createAppJobRegistry()
  .withRateLimit("send-sms", { max: 100_000, perMs: 60_000 })
  .withRateLimit("sync-to-crm", { max: 100_000, perMs: 60_000 });
const runner = testRunner(database, registry, { concurrency: 4 }).start();
const countFunded = async () =>
  Number(
    (
      await database.client.execute(
        "SELECT count(*) AS n FROM applications WHERE status = 'funded'",
      )
    ).rows[0]!.n,
  );
for (let i = 0; i < n; i++) {
  const opened = await openApplication(merchant.key, {
    crmCustomerId: `C-${i}`,
    crmJobId: `J-${i}`,
    amountCents: 250_000 + ((i * 7_919) % 1_500_000),
    sendSms: true,
  });
  await makeDecidable(opened.applicationId);
  const outcome = await decide(database, opened.applicationId);
  if (outcome.status !== "approved") throw new Error(`application ${i}: ${outcome.status}`);
  await ensureScoreNoticePdf(database, opened.applicationId);
  await signFirstOffer(opened);
  if ((i + 1) % 25 === 0) log(`  ${i + 1} signed, ${await countFunded()} funded`);
}
await waitFor(async () => (await countFunded()) === n, {
  timeoutMs: 60_000 + n * 2_000,
  what: `${n} funded applications`,
});
// The texts, e-mails and CRM notes those jobs write are part of what an application costs: give
// the runner time to send what is due (texts are rate-limited, jobs/throughput.ts), then say
// what was still waiting.
const pendingJobs = async () =>
  (
    await database.client.execute(
      `SELECT kind, count(*) AS n FROM outbox WHERE state IN ('pending', 'running')
       AND run_at <= unixepoch() * 1000 + 60000 GROUP BY kind`,
    )
  ).rows.map((r) => ({ kind: String(r.kind), n: Number(r.n) }));
await waitFor(async () => (await pendingJobs()).length === 0, {
  timeoutMs: 60_000,
  what: "the outbox's due jobs",
}).catch(() => undefined);
const stillPending = await pendingJobs();
await runner.stop({ graceMs: 2000 });
const fundSeconds = (performance.now() - started) / 1000;
log(`  funded in ${fundSeconds.toFixed(1)} s`);

type Sizes = { tables: Record<string, number>; total: number };

/** Bytes of every table with its indexes (dbstat pages), of a VACUUMed copy. */
function sizes(file: string): Sizes {
  const db = new Sqlite(file);
  const rows = db
    .prepare(
      `SELECT coalesce(s.tbl_name, d.name) AS tbl, sum(d.pgsize) AS bytes
       FROM dbstat d LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY tbl`,
    )
    .all() as { tbl: string; bytes: number }[];
  db.close();
  const tables = Object.fromEntries(rows.map((r) => [r.tbl, Number(r.bytes)]));
  return { tables, total: rows.reduce((sum, r) => sum + Number(r.bytes), 0) };
}

const afterFile = join(workDir, "after.db");
await database.client.execute({ sql: "VACUUM INTO ?", args: [afterFile] });

// "Before": the same rows as they were stored before compression (a scratch copy: the
// immutability triggers are set aside while the values are decoded, then put back as they were).
const beforeFile = join(workDir, "before.db");
const compressedColumns = [
  ["decisions", "snapshot"],
  ["offers", "schedule"],
  ["offers", "disclosure"],
  ["loans", "payment_schedule"],
] as const;
{
  const scratch = join(workDir, "scratch.db");
  copyFileSync(afterFile, scratch);
  const db = new Sqlite(scratch);
  const triggers = db
    .prepare(
      "SELECT name, sql FROM sqlite_schema WHERE name IN ('decisions_no_update', 'offers_terms_no_update')",
    )
    .all() as { name: string; sql: string }[];
  for (const trigger of triggers) db.exec(`DROP TRIGGER ${trigger.name}`);
  db.transaction(() => {
    for (const [table, column] of compressedColumns) {
      const update = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`);
      for (const row of db
        .prepare(`SELECT rowid AS r, ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL`)
        .all() as { r: number; v: string | Buffer }[])
        update.run(decodeText(row.v), row.r);
    }
    // Documents back to the PDFs as they were stored before ADR 085: no dictionary either.
    const updateDocument = db.prepare(
      "UPDATE documents SET bytes = ?, dictionary_id = NULL WHERE rowid = ?",
    );
    for (const document of storedPdfs(db)) updateDocument.run(document.bytes, document.rowid);
    db.exec("DELETE FROM document_dictionaries");
  })();
  for (const trigger of triggers) db.exec(trigger.sql);
  db.exec(`VACUUM INTO '${beforeFile}'`);
  db.close();
  rmSync(scratch);
}

// "Compacted": the before copy after the maintenance round's compaction of old rows.
const compactedWork = join(workDir, "compacted-work.db");
copyFileSync(beforeFile, compactedWork);
const compactedDb = await openDatabase({ url: `file:${compactedWork}` });
const compaction = await compactStoredRows(compactedDb, { batchSize: 50 });
const again = await compactStoredRows(compactedDb, { batchSize: 50 });
const compactedFile = join(workDir, "compacted.db");
await compactedDb.client.execute({ sql: "VACUUM INTO ?", args: [compactedFile] });
compactedDb.close();

// "Kept": what stays for the long term — the "after" copy once the maintenance round has
// pruned, a year on, what the retention rules and the job runner prune (ADR 042); decision
// evidence is never pruned.
const keptWork = join(workDir, "kept-work.db");
copyFileSync(afterFile, keptWork);
const keptDb = await openDatabase({ url: `file:${keptWork}` });
const yearLater = Date.now() + 365 * 86_400_000;
const retention = await applyRetention(keptDb, retentionRules(retentionDefaults), {
  now: yearLater,
});
const jobsPruned = await pruneCompletedJobs(keptDb, { before: yearLater });
const keptFile = join(workDir, "kept.db");
await keptDb.client.execute({ sql: "VACUUM INTO ?", args: [keptFile] });
keptDb.close();

const empty = sizes(emptyFile);
const measured = {
  before: sizes(beforeFile),
  after: sizes(afterFile),
  compacted: sizes(compactedFile),
  kept: sizes(keptFile),
};
const perApplication = (s: Sizes) =>
  Object.fromEntries(
    Object.keys({ ...s.tables, ...empty.tables })
      .map((t) => [t, ((s.tables[t] ?? 0) - (empty.tables[t] ?? 0)) / n] as const)
      .filter(([, bytes]) => bytes !== 0)
      .sort((a, b) => b[1] - a[1])
      .map(([t, bytes]) => [t, Math.round(bytes)]),
  );
const tables = {
  before: perApplication(measured.before),
  after: perApplication(measured.after),
  compacted: perApplication(measured.compacted),
  kept: perApplication(measured.kept),
};
const total = (s: Sizes) => Math.round((s.total - empty.total) / n);

/**
 * Where the kept bytes are (ADR 088): every b-tree — a table or one of its indexes — with its
 * pages, the bytes of its cells and the bytes its pages leave unused, per funded application.
 */
function btrees(file: string) {
  const db = new Sqlite(file, { readonly: true });
  const rows = db
    .prepare(
      `SELECT name, sum(pgsize) AS bytes, sum(payload) AS payload, sum(unused) AS unused
       FROM dbstat GROUP BY name`,
    )
    .all() as { name: string; bytes: number; payload: number; unused: number }[];
  db.close();
  return new Map(rows.map((r) => [r.name, r]));
}
const keptBtrees = (() => {
  const kept = btrees(keptFile);
  const none = btrees(emptyFile);
  const per = (name: string, key: "bytes" | "payload" | "unused") =>
    Math.round((Number(kept.get(name)![key]) - Number(none.get(name)?.[key] ?? 0)) / n);
  return Object.fromEntries(
    [...kept.keys()]
      .map(
        (name) =>
          [
            name,
            {
              bytes: per(name, "bytes"),
              payload: per(name, "payload"),
              unused: per(name, "unused"),
            },
          ] as const,
      )
      .filter(([, b]) => b.bytes >= 20)
      .sort((a, b) => b[1].bytes - a[1].bytes),
  );
})();

// The values themselves: sizes, the cost of encoding and decoding, and the alternatives.
const reader = new Sqlite(afterFile, { readonly: true });
const snapshots = (
  reader.prepare("SELECT snapshot FROM decisions").all() as { snapshot: Buffer }[]
).map((r) => Buffer.from(decodeText(r.snapshot), "utf8"));
const pdfs = storedPdfs(reader);
reader.close();

function timeEach(items: Buffer[], fn: (b: Buffer) => unknown) {
  for (const item of items.slice(0, 3)) fn(item); // warm
  const times = items
    .map((item) => {
      const t = performance.now();
      fn(item);
      return (performance.now() - t) * 1000;
    })
    .sort((a, b) => a - b);
  return { p50Us: Math.round(percentile(times, 50)), p95Us: Math.round(percentile(times, 95)) };
}
const sum = (items: Buffer[], fn: (b: Buffer) => Buffer) =>
  items.reduce((total, item) => total + fn(item).length, 0);
const brotli = (q: number, mode: number) => (b: Buffer) =>
  brotliCompressSync(b, {
    params: { [constants.BROTLI_PARAM_QUALITY]: q, [constants.BROTLI_PARAM_MODE]: mode },
  });
const pdfBytes = pdfs.map((p) => p.bytes);
const raw = { snapshots: sum(snapshots, (b) => b), documents: sum(pdfBytes, (b) => b) };
const alternatives: Record<
  string,
  { snapshots: number; documents: number; encodeUsSnapshotP50: number }
> = {};
for (const [name, fn, docFn] of [
  ["gzip -6", (b: Buffer) => gzipSync(b, { level: 6 }), (b: Buffer) => gzipSync(b, { level: 6 })],
  ["gzip -9", (b: Buffer) => gzipSync(b, { level: 9 }), (b: Buffer) => gzipSync(b, { level: 9 })],
  ...[4, 6, 9, 11].map(
    (q) =>
      [
        `brotli q${q}`,
        brotli(q, constants.BROTLI_MODE_TEXT),
        brotli(q, constants.BROTLI_MODE_GENERIC),
      ] as const,
  ),
] as const) {
  alternatives[name] = {
    snapshots: roundTo(sum(snapshots, fn) / raw.snapshots, 3),
    documents: roundTo(sum(pdfBytes, docFn) / raw.documents, 3),
    encodeUsSnapshotP50: timeEach(snapshots, fn).p50Us,
  };
}
const encoded = snapshots.map((s) => compress(s, "text"));
// Format 2 (ADR 088): what the app writes now for JSON — schedules by columns, the frozen
// dictionary, then brotli; checked to decode back to the very text on every write.
const encodedJson = snapshots.map((s) => encodeJsonText(s.toString("utf8")));
const encodedPdfs = pdfBytes.map((p) => compress(p));
const cost = {
  snapshotEncode: timeEach(snapshots, (s) => compress(s, "text")),
  snapshotDecode: timeEach(encoded, (s) => decodeText(s)),
  snapshotEncodeFormat2: timeEach(snapshots, (s) => encodeJsonText(s.toString("utf8"))),
  snapshotDecodeFormat2: timeEach(encodedJson, (s) => decodeText(s)),
  documentEncode: timeEach(pdfBytes, (p) => compress(p)),
  documentDecode: timeEach(encodedPdfs, (p) => decodeBytes(p)),
};
const byKind: Record<string, { count: number; rawBytes: number; storedBytes: number }> = {};
for (const [i, pdf] of pdfs.entries()) {
  const entry = (byKind[pdf.kind] ??= { count: 0, rawBytes: 0, storedBytes: 0 });
  entry.count += 1;
  entry.rawBytes += pdf.bytes.length;
  entry.storedBytes += encodedPdfs[i]!.length;
}
for (const entry of Object.values(byKind)) {
  entry.rawBytes = Math.round(entry.rawBytes / entry.count);
  entry.storedBytes = Math.round(entry.storedBytes / entry.count);
}

const report = {
  date: new Date().toISOString(),
  loadAverage: loadavg().map((l) => roundTo(l, 1)),
  applications: n,
  fundSeconds: roundTo(fundSeconds, 1),
  bytesPerFundedApplication: {
    before: total(measured.before),
    after: total(measured.after),
    compacted: total(measured.compacted),
    kept: total(measured.kept),
  },
  tables,
  keptBtrees,
  values: {
    decisionsPerApplication: roundTo(snapshots.length / n, 2),
    snapshotBytes: Math.round(raw.snapshots / snapshots.length),
    snapshotStoredBytes: Math.round(sum(encoded, (b) => b) / encoded.length),
    snapshotStoredBytesFormat2: Math.round(sum(encodedJson, (b) => b) / encodedJson.length),
    documentsPerApplication: roundTo(pdfs.length / n, 2),
    documents: byKind,
  },
  cost,
  alternatives,
  jobsStillPending: stillPending,
  compaction: { first: compaction, second: again },
  retention: { ...retention.pruned, completedJobs: jobsPruned },
};

if (values.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`\nbytes per funded application (${n} funded, dbstat pages, VACUUMed):`);
  const columns = ["before", "after", "compacted", "kept"] as const;
  const line = (name: string, cells: (number | string)[]) =>
    console.log(`  ${name.padEnd(34)} ${cells.map((c) => String(c).padStart(9)).join(" ")}`);
  line("table", [...columns]);
  for (const t of Object.keys(tables.before))
    line(
      t,
      columns.map((c) => tables[c][t] ?? 0),
    );
  line(
    "total",
    columns.map((c) => report.bytesPerFundedApplication[c]),
  );
  console.log(JSON.stringify({ values: report.values, cost, alternatives }, null, 2));
}

await bed.close();
database.close();
if (!values.keep) rmSync(workDir, { recursive: true, force: true });
else log(`copies kept in ${workDir}`);
process.exit(0);
