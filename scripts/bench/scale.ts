/**
 * `npm run bench:scale -- --applications 100000,1000000 [--json] [--samples 20] [--port 24108]
 * [--data-dir DIR | --reuse DIR] [--baseline 100000] [--load-seconds 5] [--seed-only]`
 * (issue 19, ADR 072, ADR 086): for each size, a database seeded with N applications as the app
 * writes them — statuses, 18 months of dates, decisions with their snapshots, offers, loans,
 * reviews, links, texts, completed jobs, CRM calls and audit rows, half of them the demo
 * merchant's (a big merchant for the portal; scale-seed.ts: templates row by row, the bulk cloned
 * by set-based SQL, rollups recomputed and checked against brute force) — then the *built* server
 * started on it (FLOWPAY_BUILD_DIR, scripts/testing/spawn-server.ts; start-up to /ready timed) and
 * every FlowOps page, the merchant portal's overview and list, the CRM status route and /health
 * measured (p50/p95 of sequential requests), /health also while the dashboard renders in a loop;
 * then the CRM status route's and the intake's throughput (scale-load.ts: the status route against
 * the empty resource route, the intake against the same build on an empty database) and a burst of
 * 10,000 applications' time to be texted. Every size's growth factor per page is printed against
 * the smallest size; with one size above `--baseline`, the baseline is measured too.
 *
 * `--reuse DIR` keeps each size's seeded file under DIR/n<N> (with seed.json) and measures it
 * again instead of re-seeding (pending migrations are applied first, outside the start-up time).
 */
import { mkdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { spawnServer } from "~/scripts/testing/spawn-server";
import { signInDemoOperator } from "~/scripts/testing/ops-signin";
import { percentile as nearestRank } from "~/app/ops/dashboard";
import { seedScale, seededBefore } from "./scale-seed";
import { healthLimitMs, healthWhileRendering } from "./health-while";
import {
  burstEstimate,
  getRequest,
  inTurns,
  intakeRequest,
  measuredTextRate,
  round2,
} from "./scale-load";
import { smsSenderTypes, type SmsSenderType } from "~/jobs/throughput";

const { values } = parseArgs({
  options: {
    applications: { type: "string", default: "20000,100000" },
    json: { type: "boolean", default: false },
    samples: { type: "string", default: "20" },
    port: { type: "string", default: "4401" },
    "data-dir": { type: "string", default: ".builds/scale-data" },
    reuse: { type: "string" },
    baseline: { type: "string", default: "100000" },
    "load-seconds": { type: "string", default: "5" },
    "load-rounds": { type: "string", default: "2" },
    "seed-only": { type: "boolean", default: false },
  },
});
const sizes = values.applications.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) {
  throw new Error("--applications: whole numbers ≥ 100, comma-separated");
}
const samples = Number(values.samples);
const basePort = Number(values.port);
const dataRoot = resolve(values.reuse ?? values["data-dir"]);
const dayMs = 86_400_000;
const loadSeconds = Number(values["load-seconds"]);
const loadRounds = Number(values["load-rounds"]);
// With one size above the baseline, the baseline is measured first: the growth factor needs it.
const baseline = Number(values.baseline);
if (sizes.length === 1 && sizes[0]! > baseline) sizes.unshift(baseline);
const roundTo = (value: number, digits: number) => Number(value.toFixed(digits));
const percentile = (values: number[], p: number) => nearestRank(values, p) ?? Number.NaN;
// Progress goes to stderr with --json (stdout is the report).
const log = (...args: unknown[]) => {
  if (values.json) console.error(...args);
  else console.log(...args);
};

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

/** Requests that met a reset connection (retried once, counted in the report). */
const connectionResets: string[] = [];

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const start = performance.now();
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: "manual" });
  } catch (error) {
    const code = ((error as Error).cause as { code?: string } | undefined)?.code;
    if (code !== "ECONNRESET" || connectionResets.length > 20) throw error;
    // A kept-alive socket the server closed as it was reused, or a dropped connection: say so.
    connectionResets.push(`${new Date().toISOString()} ${url}`);
    log(`  connection reset: ${url} (retried)`);
    return timed(url, headers);
  }
  await response.arrayBuffer();
  const ms = performance.now() - start;
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return ms;
}

/** The server as the bench runs it: quiet logs, the API's rate limits out of the measurement's way. */
const serverEnv = {
  LOG_LEVEL: "warn",
  CRM_RATE_LIMIT_PER_MINUTE: "1000000",
  CRM_READ_RATE_LIMIT_PER_MINUTE: "1000000",
  // The job runner's own text throughput is measured (the sender's limit is applied by computation).
  SMS_RATE_PER_SECOND: "10000",
};

/** A reused file gets the migrations added since it was seeded before its start-up is timed. */
async function migrateSeeded(dataDir: string) {
  process.env.DATA_DIR = dataRoot;
  process.env.FLOWPAY_ENV = "test";
  const { openDatabase } = await import("~/db/client");
  const { migrateDatabase } = await import("~/db/migrate");
  const database = await openDatabase({ url: `file:${join(dataDir, "flowpay.db")}` });
  const started = performance.now();
  const { applied } = await migrateDatabase(database);
  database.close();
  if (applied > 0)
    log(
      `  ${applied} new migration(s) applied in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
}

/**
 * The CRM status route against the empty resource route (target ≥ 0.8×), the intake's rate on this
 * file, and the texts the job runner sends a second once the intake stops (the server's SMS rate
 * lifted: the runner's own throughput).
 */
async function measureLoad(
  url: string,
  apiKey: string,
  applicationId: string,
  dataDir: string,
  emptyIntake: { url: string; apiKey: string },
) {
  const api = { authorization: `Bearer ${apiKey}` };
  const reads = await inTurns(
    {
      empty: getRequest(`${url}/bench/empty`),
      status: getRequest(`${url}/api/v1/crm/applications/${applicationId}`, api),
    },
    { seconds: loadSeconds, rounds: loadRounds },
  );
  const statusRoute = {
    ...reads.status!,
    empty: reads.empty!,
    ratio: round2(reads.status!.rps / reads.empty!.rps),
  };
  log(
    `  CRM status route ${statusRoute.rps} req/s vs empty route ${reads.empty!.rps} req/s: ×${statusRoute.ratio} (target ≥ 0.8)`,
  );
  // The intake here and on the empty database in turns: the same machine load for both.
  const intakes = await inTurns(
    {
      // A run prefix of 9 digits: with the 7-digit counter the job id stays within FieldRoutes'
      // 18 digits (a longer one is refused with a 422 and the rate measured would be of errors).
      intake: intakeRequest(url, apiKey, String(Date.now() % 1_000_000_000)),
      empty: intakeRequest(
        emptyIntake.url,
        emptyIntake.apiKey,
        String((Date.now() + 1) % 1_000_000_000),
      ),
    },
    { seconds: loadSeconds, rounds: loadRounds },
  );
  // A rate of refused requests is no intake rate: the ratio is only reported when both sides
  // accepted every request.
  const refused = intakes.intake!.non2xx + intakes.empty!.non2xx;
  const intake = {
    ...intakes.intake!,
    emptyDatabase: intakes.empty!,
    ratioToEmptyDatabase: refused === 0 ? round2(intakes.intake!.rps / intakes.empty!.rps) : null,
  };
  log(
    `  intake ${intake.rps} req/s (p99 ${intake.p99} ms, non-2xx ${intake.non2xx}) vs ${intake.emptyDatabase.rps} req/s on an empty database: ${intake.ratioToEmptyDatabase === null ? `NOT MEASURED (${refused} requests refused)` : `×${intake.ratioToEmptyDatabase}`} (target ≥ 0.9)`,
  );
  const texts = await measuredTextRate(join(dataDir, "flowpay.db"), 60);
  log(
    `  texts sent ${texts.perSecond}/s by the job runner (${texts.pendingBefore} → ${texts.pendingAfter} pending)`,
  );
  return { statusRoute, intake, texts };
}

/** A server on an empty database (the demo seed only), same build and settings: intake's reference. */
async function startEmptyServer(port: number) {
  const dataDir = join(dataRoot, "empty");
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const server = await spawnServer({ dataDir, port, env: serverEnv });
  const { readFileSync } = await import("node:fs");
  return { server, apiKey: readFileSync(join(dataDir, "demo-api-key.txt"), "utf8").trim() };
}

/** Size n's seeded directory: reused (with migrations brought up to date) or seeded now. */
async function seededSize(n: number) {
  const dataDir = join(dataRoot, `n${n}`);
  const reused = values.reuse ? seededBefore(dataDir, n) : null;
  if (reused) await migrateSeeded(dataDir);
  else log(`seeding ${n.toLocaleString("en-US")} applications in ${dataDir} …`);
  const seeded = reused ?? (await seedScale({ dataDir, dataRoot, n, log }));
  log(
    `  ${reused ? `reused (seeded ${reused.seededAt} in` : "seeded in"} ${seeded.seedSeconds.toFixed(1)} s${reused ? ")" : ""}, ${(seeded.bytes / 1e6).toFixed(0)} MB`,
  );
  return { n, dataDir, seeded };
}

/** Seeds (or reuses) size n, starts its server (start-up to /ready timed) and lists its pages. */
async function startSize(n: number, port: number) {
  const { dataDir, seeded } = await seededSize(n);
  const startedAt = performance.now();
  const server = await spawnServer({ dataDir, port, env: serverEnv });
  const readyMs = performance.now() - startedAt;
  log(`  /ready after ${readyMs.toFixed(0)} ms`);
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
      ["search (a last name)", "/ops/applications?q=Rivera512", ops],
      ["merchants", "/ops/merchants", ops],
      ["merchant page (the big one)", `/ops/merchants/${seeded.merchantId}`, ops],
      ["merchant applications", "/ops/merchant-applications", ops],
      ["reconciliation queue", "/ops/reconciliation", ops],
      ["rules", "/ops/rules", ops],
      ["pricing", "/ops/pricing", ops],
      ["operators", "/ops/users", ops],
      ["portal overview", "/merchant", portal],
      ["portal applications", "/merchant/applications", portal],
      ["CRM status route", `/api/v1/crm/applications/${seeded.fundedId}`, api],
      ["health", "/health", {}],
    ];
    return { n, dataDir, seeded, server, readyMs, pages };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

type Started = Awaited<ReturnType<typeof startSize>>;

/**
 * Every page of every size, sample by sample in turns (size A, size B, … then the next sample):
 * on a shared machine whose load changes by the minute, each size's figures see the same load,
 * so the growth factor compares sizes, not moments.
 */
async function measurePagesInTurns(started: Started[]) {
  const results = started.map(() => ({}) as Record<string, { p50: number; p95: number }>);
  for (const [p, [name]] of started[0]!.pages!.entries()) {
    const times = started.map(() => [] as number[]);
    try {
      for (const size of started) {
        const [, path, headers] = size.pages![p]!;
        await timed(size.server.url + path, headers); // warm
      }
    } catch (error) {
      // A page this build does not serve (yet), or refuses: reported, the others still measured.
      log(`  ${name}: ${(error as Error).message}`);
      for (const result of results) result[name] = { p50: Number.NaN, p95: Number.NaN };
      continue;
    }
    for (let s = 0; s < samples; s++) {
      for (const [i, size] of started.entries()) {
        const [, path, headers] = size.pages![p]!;
        times[i]!.push(await timed(size.server.url + path, headers));
      }
    }
    for (const [i, size] of started.entries()) {
      results[i]![name] = {
        p50: roundTo(percentile(times[i]!, 50), 1),
        p95: roundTo(percentile(times[i]!, 95), 1),
      };
      log(
        `  ${String(size.n).padStart(8)} ${name.padEnd(30)} p50 ${results[i]![name]!.p50} ms  p95 ${results[i]![name]!.p95} ms`,
      );
    }
  }
  return results;
}

/** /health while the heaviest page renders, then the throughput measurements; stops the server. */
async function finishSize(
  size: Started,
  results: Record<string, { p50: number; p95: number }>,
  emptyIntake: { url: string; apiKey: string },
) {
  const { n, seeded, server, readyMs, pages } = size;
  try {
    // /health while the heaviest page renders, again and again (issue 19: no request holds the
    // event loop on a database query — the pages' reads run in reader threads, ADR 083).
    const healthWhileHeaviest = await healthWhileRendering(
      server.url,
      pages,
      results,
      samples,
      timed,
    );
    results["health while heaviest page renders"] = {
      p50: healthWhileHeaviest.p50,
      p95: healthWhileHeaviest.p95,
    };
    log(
      `  health while ${healthWhileHeaviest.page} renders: p50 ${healthWhileHeaviest.p50} ms  p95 ${healthWhileHeaviest.p95} ms (target < ${healthWhileHeaviest.limitMs} ms: ${healthWhileHeaviest.ok ? "met" : "MISSED"})`,
    );
    const load = await measureLoad(
      server.url,
      seeded.apiKey,
      seeded.fundedId,
      size.dataDir,
      emptyIntake,
    );
    return {
      applications: n,
      seeded,
      seedSeconds: roundTo(seeded.seedSeconds, 1),
      databaseMb: roundTo(seeded.bytes / 1e6, 0),
      readyMs: roundTo(readyMs, 0),
      pages: results,
      healthWhileHeaviest,
      ...load,
    };
  } finally {
    await server.stop();
  }
}

async function main() {
  if (values["seed-only"]) {
    const seeded = [];
    for (const n of sizes) seeded.push((await seededSize(n)).seeded);
    console.log(JSON.stringify(seeded, null, 2));
    return;
  }
  // Every size's server at once, pages sampled in turns; then each size's load measurements.
  const started: Started[] = [];
  const empty = await startEmptyServer(basePort + 9);
  const runs = [];
  try {
    for (const [index, n] of sizes.entries()) started.push(await startSize(n, basePort + index));
    const pageResults = await measurePagesInTurns(started);
    for (const [i, size] of started.entries()) {
      log(`${size.n.toLocaleString("en-US")} applications:`);
      runs.push(
        await finishSize(size, pageResults[i]!, { url: empty.server.url, apiKey: empty.apiKey }),
      );
    }
  } finally {
    for (const size of started) await size.server.stop();
    await empty.server.stop();
  }
  const growth: Record<string, { p50: number; p95: number }> = {};
  if (runs.length >= 2) {
    const [small, large] = [runs[0]!, runs.at(-1)!];
    log(
      `\ngrowth ${small.applications} → ${large.applications} (ratio of p50, of p95; target ≤ 1.5):`,
    );
    for (const name of Object.keys(large.pages)) {
      const [a, b] = [small.pages[name]!, large.pages[name]!];
      growth[name] = { p50: roundTo(b.p50 / a.p50, 2), p95: roundTo(b.p95 / a.p95, 2) };
      log(`  ${name.padEnd(30)} ×${growth[name].p50}  ×${growth[name].p95}`);
    }
  }
  const intake = runs.map((run) => ({
    applications: run.applications,
    rps: run.intake.rps,
    emptyDatabaseRps: run.intake.emptyDatabase.rps,
    ratioToEmptyDatabase: run.intake.ratioToEmptyDatabase,
  }));
  const largest = runs.at(-1)!;
  const senderType = (process.env.SMS_SENDER_TYPE ?? "long_code") as SmsSenderType;
  if (!smsSenderTypes.includes(senderType)) throw new Error(`SMS_SENDER_TYPE ${senderType}?`);
  const burst = burstEstimate({
    burst: 10_000,
    senderType,
    senders: Number(process.env.SMS_SENDER_COUNT ?? 1),
    perSecondOverride: process.env.SMS_RATE_PER_SECOND
      ? Number(process.env.SMS_RATE_PER_SECOND)
      : undefined,
    // No backlog left to time: the runner kept up with the intake, so its rate is at least that.
    textsPerSecondMeasured:
      largest.texts.pendingBefore >= 100 ? largest.texts.perSecond : largest.intake.rps,
    intakePerSecond: largest.intake.rps,
  });
  log(
    `burst of 10,000 applications texted after ≈${burst.seconds} s (${(burst.seconds / 3600).toFixed(2)} h) with ${senderType}: bound by the ${burst.boundBy} (${burst.textsPerMinuteAllowed}/min allowed, runner ${burst.textsPerSecondMeasured}/s measured)`,
  );
  const report = {
    date: new Date().toISOString(),
    loadAverage: loadavg().map((l) => roundTo(l, 1)),
    samples,
    runs,
    growth,
    connectionResets,
    intake,
    burst,
    targets: {
      pageP95Ms: 100,
      dashboardP95Ms: 150,
      growth: 1.5,
      statusRouteRatio: 0.8,
      intakeRatio: 0.9,
      readyMs: 3000,
      healthWhileHeaviestP95Ms: healthLimitMs,
    },
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
