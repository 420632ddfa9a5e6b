/**
 * `npm run bench:scale -- --applications 20000,100000 [--json] [--samples 20] [--port 4401]
 * [--data-dir DIR]` (issue 19, ADR 072): for each size, a fresh database seeded with N
 * applications as the app writes them — statuses, 18 months of dates, decisions with their
 * snapshots, offers, loans, reviews, links, texts, completed jobs, CRM calls and audit rows, half
 * of them the demo merchant's (a big merchant for the portal) — then the *built* server started
 * on it (FLOWPAY_BUILD_DIR, scripts/testing/spawn-server.ts) and every FlowOps page, the merchant
 * portal's overview and list, the CRM status route and /health measured (p50/p95 of sequential
 * requests), /health also while the dashboard renders in a loop. With two sizes it prints each
 * page's growth factor (p50 of the larger ÷ p50 of the smaller).
 *
 * Rows are built from the drizzle tables' own columns (`getTableColumns`, each value through the
 * column's driver mapping) and inserted with one prepared statement per table in large
 * transactions on a synchronous connection, before the server opens the file: the triggers (search
 * index, rollups) run as they do for the app's writes.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { getTableColumns, type Table } from "drizzle-orm";
import Sqlite from "libsql";
import { spawnServer } from "~/scripts/testing/spawn-server";
import { signInDemoOperator } from "~/scripts/testing/ops-signin";
import { percentile as nearestRank } from "~/app/ops/dashboard";

const { values } = parseArgs({
  options: {
    applications: { type: "string", default: "20000,100000" },
    json: { type: "boolean", default: false },
    samples: { type: "string", default: "20" },
    port: { type: "string", default: "4401" },
    "data-dir": { type: "string", default: ".builds/scale-data" },
  },
});
const sizes = values.applications.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) {
  throw new Error("--applications: whole numbers ≥ 100, comma-separated");
}
const samples = Number(values.samples);
const basePort = Number(values.port);
const dataRoot = resolve(values["data-dir"]);
const dayMs = 86_400_000;
const roundTo = (value: number, digits: number) => Number(value.toFixed(digits));
const percentile = (values: number[], p: number) => nearestRank(values, p) ?? Number.NaN;
const log = (...args: unknown[]) => {
  if (!values.json) console.log(...args);
};

type Row = Record<string, unknown>;

/** INSERT of drizzle rows: columns from the table definition, values through its mappers. */
function inserter(db: Sqlite.Database, table: Table, keys: string[]) {
  const columns = getTableColumns(table) as Record<
    string,
    { name: string; mapToDriverValue(v: unknown): unknown }
  >;
  const tableName = (table as unknown as Record<symbol, string>)[Symbol.for("drizzle:Name")];
  const cols = keys.map((key) => {
    const column = columns[key];
    if (!column) throw new Error(`${tableName}: no column ${key}`);
    return column;
  });
  const statement = db.prepare(
    `INSERT INTO "${tableName}" (${cols.map((c) => `"${c.name}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
  );
  return (row: Row) =>
    statement.run(
      ...keys.map((key, i) => {
        const value = row[key];
        if (value === null || value === undefined) return null;
        const mapped = cols[i]!.mapToDriverValue(value);
        return typeof mapped === "boolean" ? (mapped ? 1 : 0) : mapped;
      }),
    );
}

/** Deterministic pseudo-random numbers: the same database for the same N. */
function randomFrom(seed: number) {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

const statusMix = [
  ["link_sent", 0.2],
  ["in_progress", 0.08],
  ["expired", 0.1],
  ["canceled", 0.05],
  ["declined", 0.2],
  ["manual_review", 0.02],
  ["approved", 0.1],
  ["offer_accepted", 0.05],
  ["funded", 0.2],
] as const;
type Status = (typeof statusMix)[number][0];
const decidedStatuses = new Set<Status>([
  "declined",
  "manual_review",
  "approved",
  "offer_accepted",
  "funded",
]);

/** A decision snapshot shaped like the engine's (inputs, versions, rule results, offers). */
function snapshotFor(i: number, status: string) {
  return {
    engineVersion: "bench",
    inputs: {
      amountCents: 400_000 + (i % 1_500_000),
      monthlyIncomeCents: 520_000,
      housingCostCents: 150_000,
      bureau: { score: 640 + (i % 160), tradelines: 12, inquiries6m: i % 4, delinquencies: 0 },
      bank: { averageBalanceCents: 310_000, nsf90d: 0, incomeVerified: true },
    },
    rules: Array.from({ length: 24 }, (_, r) => ({
      key: `rule_${r}`,
      passed: status !== "declined" || r !== 3,
      value: (i * (r + 1)) % 997,
      threshold: 500,
      note: "evaluated against the published rule set at the time of the decision",
    })),
    pricing: { version: 1, tier: "B", apr: "12.990", termsMonths: [12, 24, 36] },
  };
}

async function seed(dataDir: string, n: number) {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // The app's modules read their environment once per process: every size shares the secrets
  // kept under the data root (dev-secrets.json), copied to each server's data directory.
  process.env.DATA_DIR = dataRoot;
  process.env.FLOWPAY_ENV = "test";
  const { openDatabase } = await import("~/db/client");
  const { migrateDatabase } = await import("~/db/migrate");
  const { seedDemo, demo } = await import("~/app/demo/seed.server");
  const schema = await import("~/db/schema/index");
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

  const started = performance.now();
  const db = new Sqlite(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON");
  const now = Date.now();
  const random = randomFrom(n);
  const merchants = [demoMerchant!.id];
  const addMerchant = inserter(db, schema.merchants, [
    "id",
    "name",
    "slug",
    "createdAt",
    "updatedAt",
  ]);
  db.transaction(() => {
    for (let m = 1; m < 10; m++) {
      const id = `mer_bench${String(m).padStart(21, "0")}`;
      addMerchant({
        id,
        name: `Bench Merchant ${m}`,
        slug: `bench-merchant-${m}`,
        createdAt: new Date(now - 600 * dayMs),
        updatedAt: new Date(now - 600 * dayMs),
      });
      merchants.push(id);
    }
  })();

  const add = {
    customer: inserter(db, schema.customers, [
      "id",
      "merchantId",
      "crmCustomerId",
      "firstName",
      "lastName",
      "email",
      "phone",
      "createdAt",
      "updatedAt",
    ]),
    job: inserter(db, schema.serviceJobs, [
      "id",
      "merchantId",
      "customerId",
      "crmJobId",
      "description",
      "estimateCents",
      "createdAt",
      "updatedAt",
    ]),
    application: inserter(db, schema.applications, [
      "id",
      "merchantId",
      "customerId",
      "serviceJobId",
      "crm",
      "status",
      "amountCents",
      "step",
      "selectedOfferId",
      "submittedAt",
      "decidedAt",
      "canceledAt",
      "createdAt",
      "updatedAt",
    ]),
    link: inserter(db, schema.applicationLinks, [
      "id",
      "applicationId",
      "tokenHash",
      "expiresAt",
      "createdAt",
      "updatedAt",
    ]),
    decision: inserter(db, schema.decisions, [
      "id",
      "applicationId",
      "status",
      "score",
      "tier",
      "ruleSetVersion",
      "pricingVersion",
      "engineVersion",
      "snapshot",
      "decidedAt",
    ]),
    offer: inserter(db, schema.offers, [
      "id",
      "decisionId",
      "applicationId",
      "termMonths",
      "noteRate",
      "apr",
      "originationFeeCents",
      "principalCents",
      "amountFinancedCents",
      "monthlyPaymentCents",
      "lastPaymentCents",
      "financeChargeCents",
      "totalOfPaymentsCents",
      "tier",
      "schedule",
      "selectedAt",
      "createdAt",
    ]),
    loan: inserter(db, schema.loans, [
      "id",
      "applicationId",
      "offerId",
      "merchantId",
      "lender",
      "status",
      "principalCents",
      "amountCents",
      "merchantFeeCents",
      "disbursementCents",
      "fundedAmountCents",
      "fundedAt",
      "paymentSchedule",
      "createdAt",
      "updatedAt",
    ]),
    review: inserter(db, schema.manualReviews, [
      "id",
      "applicationId",
      "decisionId",
      "reason",
      "priority",
      "status",
      "createdAt",
      "updatedAt",
    ]),
    message: inserter(db, schema.messages, [
      "id",
      "applicationId",
      "merchantId",
      "channel",
      "template",
      "recipient",
      "bodyEnc",
      "status",
      "createdAt",
      "updatedAt",
    ]),
    job_: inserter(db, schema.outbox, [
      "kind",
      "payload",
      "priority",
      "state",
      "runAt",
      "attempts",
      "createdAt",
      "updatedAt",
      "completedAt",
    ]),
    crm: inserter(db, schema.crmSyncLogs, [
      "id",
      "merchantId",
      "applicationId",
      "crm",
      "operation",
      "request",
      "response",
      "outcome",
      "error",
      "durationMs",
      "createdAt",
    ]),
    audit: inserter(db, schema.auditLogs, [
      "at",
      "actorType",
      "actorId",
      "action",
      "entityType",
      "entityId",
      "details",
    ]),
  };

  const pad = (i: number, width = 20) => String(i).padStart(width, "0");
  let fundedId: string | null = null;
  const ids: string[] = [];
  const batch = 5_000;
  for (let start = 0; start < n; start += batch) {
    db.transaction(() => {
      for (let i = start; i < Math.min(n, start + batch); i++) {
        const merchantId = i % 2 === 0 ? merchants[0]! : merchants[1 + (i % 9)]!;
        // Oldest first, over 18 months (548 days), ending now.
        const createdAt = new Date(
          now - Math.floor(((n - i) / n) * 548 * dayMs * (0.98 + random() * 0.02)),
        );
        let roll = random();
        let status: Status = "link_sent";
        for (const [s, share] of statusMix) {
          if (roll < share) {
            status = s;
            break;
          }
          roll -= share;
        }
        // Reviews are worked through: only the last fortnight's are still open.
        if (status === "manual_review" && now - createdAt.getTime() > 14 * dayMs)
          status = "declined";
        const id = `app_${pad(i, 26)}`.slice(0, 30);
        ids.push(id);
        const customerId = `cus_${pad(i, 26)}`;
        const jobId = `job_${pad(i, 26)}`;
        const amountCents = 200_000 + Math.floor(random() * 2_000_000);
        const decided = decidedStatuses.has(status);
        const submittedAt = decided ? new Date(createdAt.getTime() + 20 * 60_000) : null;
        const decidedAt = submittedAt
          ? new Date(
              submittedAt.getTime() +
                (status === "manual_review" ? 0 : 400 + Math.floor(random() * 3000)),
            )
          : null;
        add.customer({
          id: customerId,
          merchantId,
          crmCustomerId: `CUS-${i}`,
          firstName: ["Dana", "Lee", "Sam", "Ana", "Kim"][i % 5],
          lastName: `Rivera${i % 997}`,
          email: `c${i}@example.com`,
          phone: `+1512555${pad(i % 10_000, 4)}`,
          createdAt,
          updatedAt: createdAt,
        });
        add.job({
          id: jobId,
          merchantId,
          customerId,
          crmJobId: `JOB-${i}`,
          description: "Termite treatment, whole house",
          estimateCents: amountCents,
          createdAt,
          updatedAt: createdAt,
        });
        const accepted = status === "offer_accepted" || status === "funded";
        const selectedOfferId = accepted ? `off_${pad(i * 3 + 1, 26)}` : null;
        add.application({
          id,
          merchantId,
          customerId,
          serviceJobId: jobId,
          crm: "fieldroutes",
          status,
          amountCents,
          step: decided ? "submitted" : status === "in_progress" ? "details" : null,
          selectedOfferId,
          submittedAt,
          decidedAt,
          canceledAt: status === "canceled" ? new Date(createdAt.getTime() + dayMs) : null,
          createdAt,
          updatedAt: decidedAt ?? createdAt,
        });
        let decisionId: string | null = null;
        const offerIds: string[] = [];
        if (decided) {
          decisionId = `dec_${pad(i, 26)}`;
          const decisionStatus =
            status === "declined"
              ? "declined"
              : status === "manual_review"
                ? "manual_review"
                : "approved";
          add.decision({
            id: decisionId,
            applicationId: id,
            status: decisionStatus,
            score: 640 + (i % 160),
            tier: "B",
            ruleSetVersion: 1,
            pricingVersion: 1,
            engineVersion: "bench",
            snapshot: snapshotFor(i, decisionStatus),
            decidedAt,
          });
          if (decisionStatus === "approved") {
            for (const [t, term] of [12, 24, 36].entries()) {
              const offerId = `off_${pad(i * 3 + t, 26)}`;
              offerIds.push(offerId);
              const selected = offerId === selectedOfferId;
              add.offer({
                id: offerId,
                decisionId,
                applicationId: id,
                termMonths: term,
                noteRate: "11.990",
                apr: "12.990",
                originationFeeCents: 0,
                principalCents: amountCents,
                amountFinancedCents: amountCents,
                monthlyPaymentCents: Math.round(amountCents / term),
                lastPaymentCents: Math.round(amountCents / term),
                financeChargeCents: Math.round(amountCents * 0.07),
                totalOfPaymentsCents: Math.round(amountCents * 1.07),
                tier: "B",
                schedule: Array.from({ length: term }, (_, k) => ({
                  n: k + 1,
                  cents: Math.round(amountCents / term),
                })),
                selectedAt: selected ? new Date(decidedAt!.getTime() + 600_000) : null,
                createdAt: decidedAt,
              });
            }
          }
        }
        if (status === "funded" && selectedOfferId) {
          fundedId ??= merchantId === merchants[0] ? id : fundedId;
          add.loan({
            id: `loan_${pad(i, 26)}`,
            applicationId: id,
            offerId: selectedOfferId,
            merchantId,
            lender: "mock",
            status: "funded",
            principalCents: amountCents,
            amountCents,
            merchantFeeCents: Math.round(amountCents * 0.03),
            disbursementCents: amountCents - Math.round(amountCents * 0.03),
            fundedAmountCents: amountCents - Math.round(amountCents * 0.03),
            fundedAt: new Date(decidedAt!.getTime() + dayMs),
            paymentSchedule: [],
            createdAt: decidedAt,
            updatedAt: decidedAt,
          });
        }
        if (status === "manual_review") {
          add.review({
            id: `mr_${pad(i, 26)}`,
            applicationId: id,
            decisionId,
            reason: "thin_file",
            priority: i % 7 === 0 ? 1 : 2,
            status: "pending",
            createdAt: decidedAt,
            updatedAt: decidedAt,
          });
        }
        add.link({
          id: `lnk_${pad(i, 26)}`,
          applicationId: id,
          tokenHash: `h${pad(i, 63)}`,
          expiresAt: new Date(createdAt.getTime() + 7 * dayMs),
          createdAt,
          updatedAt: createdAt,
        });
        const messageId = `msg_${pad(i, 26)}`;
        add.message({
          id: messageId,
          applicationId: id,
          merchantId,
          channel: "sms",
          template: "application_link",
          recipient: "+15125550100",
          // The size of an encrypted text (never decrypted by the pages measured).
          bodyEnc: `v1.dev1.${"A".repeat(16)}.${"B".repeat(220)}`,
          status: "delivered",
          createdAt,
          updatedAt: createdAt,
        });
        const t = createdAt.getTime();
        add.job_({
          kind: "send-sms",
          payload: JSON.stringify({ messageId }),
          priority: 3,
          state: "completed",
          runAt: t,
          attempts: 1,
          createdAt: t,
          updatedAt: t + 500,
          completedAt: t + 500,
        });
        add.audit({
          at: createdAt,
          actorType: "api_key",
          actorId: "key_bench",
          action: "application.create",
          entityType: "application",
          entityId: id,
          details: { amountCents },
        });
        if (decided) {
          add.job_({
            kind: "decide-application",
            payload: JSON.stringify({ applicationId: id }),
            priority: 1,
            state: "completed",
            runAt: submittedAt!.getTime(),
            attempts: 1,
            createdAt: submittedAt!.getTime(),
            updatedAt: decidedAt!.getTime(),
            completedAt: decidedAt!.getTime(),
          });
          add.crm({
            id: `csl_${pad(i, 26)}`,
            merchantId,
            applicationId: id,
            crm: "fieldroutes",
            operation: "note/create",
            request: { note: `FlowPay: application ${status}` },
            response: { success: i % 50 !== 0 },
            outcome: i % 50 === 0 ? "error" : "ok",
            error: i % 50 === 0 ? "HTTP 503" : null,
            durationMs: 120 + (i % 300),
            createdAt: decidedAt,
          });
          add.audit({
            at: decidedAt,
            actorType: "system",
            actorId: "decide-application",
            action: "application.decided",
            entityType: "application",
            entityId: id,
            details: { status },
          });
        }
      }
    })();
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  const seedSeconds = (performance.now() - started) / 1000;
  const { statSync } = await import("node:fs");
  const bytes = statSync(file).size;
  return {
    seedSeconds,
    bytes,
    fundedId: fundedId ?? ids.at(-1)!,
    ownerUserId: owner!.userId,
    merchantId: demoMerchant!.id,
    apiKey: readFileSync(join(dataDir, demo.apiKeyFile), "utf8").trim(),
  };
}

async function portalCookie(dataDir: string, userId: string, merchantId: string) {
  const { openDatabase } = await import("~/db/client");
  const { merchantSessions } = await import("~/db/schema/index");
  const { sessionCookieHeader } = await import("~/app/merchant/session.server");
  const database = await openDatabase({ url: `file:${join(dataDir, "flowpay.db")}` });
  const id = `msess_bench_${Date.now()}`;
  const now = new Date();
  await database.write((tx) =>
    tx.insert(merchantSessions).values({
      id,
      userId,
      merchantId,
      verifiedAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + dayMs),
    }),
  );
  database.close();
  return (await sessionCookieHeader(id)).split(";")[0]!;
}

async function timed(url: string, headers: Record<string, string>) {
  const start = performance.now();
  const response = await fetch(url, { headers, redirect: "manual" });
  await response.arrayBuffer();
  const ms = performance.now() - start;
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return ms;
}

async function measureSize(n: number, port: number) {
  const dataDir = join(dataRoot, `n${n}`);
  log(`seeding ${n.toLocaleString("en-US")} applications in ${dataDir} …`);
  const seeded = await seed(dataDir, n);
  log(`  seeded in ${seeded.seedSeconds.toFixed(1)} s, ${(seeded.bytes / 1e6).toFixed(0)} MB`);
  const startedAt = performance.now();
  const server = await spawnServer({ dataDir, port });
  const readyMs = performance.now() - startedAt;
  try {
    const ops = { cookie: await signInDemoOperator(server.url) };
    const portal = {
      cookie: await portalCookie(dataDir, seeded.ownerUserId, seeded.merchantId),
    };
    const api = { authorization: `Bearer ${seeded.apiKey}` };
    const pages: [string, string, Record<string, string>][] = [
      ["FlowOps dashboard", "/ops", ops],
      ["applications (first page)", "/ops/applications", ops],
      ["applications by status", "/ops/applications?status=declined", ops],
      ["application detail (funded)", `/ops/applications/${seeded.fundedId}`, ops],
      ["review queue", "/ops/reviews", ops],
      ["jobs monitor", "/ops/jobs", ops],
      ["audit log", "/ops/audit", ops],
      ["portal overview", "/merchant", portal],
      ["portal applications", "/merchant/applications", portal],
      ["CRM status route", `/api/v1/crm/applications/${seeded.fundedId}`, api],
      ["health", "/health", {}],
    ];
    const results: Record<string, { p50: number; p95: number }> = {};
    for (const [name, path, headers] of pages) {
      await timed(server.url + path, headers); // warm
      const times: number[] = [];
      for (let s = 0; s < samples; s++) times.push(await timed(server.url + path, headers));
      results[name] = {
        p50: roundTo(percentile(times, 50), 1),
        p95: roundTo(percentile(times, 95), 1),
      };
      log(`  ${name.padEnd(30)} p50 ${results[name].p50} ms  p95 ${results[name].p95} ms`);
    }
    // /health while the dashboard renders, again and again.
    let rendering = true;
    const loop = (async () => {
      while (rendering) await timed(`${server.url}/ops`, ops);
    })();
    const health: number[] = [];
    for (let s = 0; s < samples; s++) {
      health.push(await timed(`${server.url}/health`, {}));
      await new Promise((done) => setTimeout(done, 25));
    }
    rendering = false;
    await loop;
    results["health while dashboard renders"] = {
      p50: roundTo(percentile(health, 50), 1),
      p95: roundTo(percentile(health, 95), 1),
    };
    log(
      `  ${"health while dashboard renders".padEnd(30)} p50 ${results["health while dashboard renders"].p50} ms  p95 ${results["health while dashboard renders"].p95} ms`,
    );
    return {
      applications: n,
      seedSeconds: roundTo(seeded.seedSeconds, 1),
      databaseMb: roundTo(seeded.bytes / 1e6, 0),
      readyMs: roundTo(readyMs, 0),
      pages: results,
    };
  } finally {
    await server.stop();
  }
}

async function main() {
  const runs = [];
  for (const [index, n] of sizes.entries()) runs.push(await measureSize(n, basePort + index));
  const growth: Record<string, number> = {};
  if (runs.length >= 2) {
    const [small, large] = [runs[0]!, runs.at(-1)!];
    log(`\ngrowth ${small.applications} → ${large.applications} (p50 ratio):`);
    for (const name of Object.keys(large.pages)) {
      growth[name] = roundTo(large.pages[name]!.p50 / small.pages[name]!.p50, 2);
      log(`  ${name.padEnd(30)} ×${growth[name]}`);
    }
  }
  const report = {
    date: new Date().toISOString(),
    loadAverage: loadavg().map((l) => roundTo(l, 1)),
    samples,
    runs,
    growth,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
