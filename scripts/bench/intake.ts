/**
 * `npm run bench:intake [-- --seconds N] [--json]`: drives POST /api/v1/crm/offer-financing with
 * autocannon (10 connections, embedded database, the built server) and, in the same run, an empty
 * Remix resource route of the same server as the framework's ceiling. Prints req/s and p50/p99
 * latency of both and their ratio. Target (issue 4): ≥ 0.7× the empty route, p99 < 50 ms.
 * `--no-jobs` turns the server's job runner off; `--worker` runs it in a second process instead.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { spawnServer } from "../testing/spawn-server";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    // --no-jobs: the job runner off, to see the intake path alone (texts and CRM syncs then wait).
    "no-jobs": { type: "boolean", default: false },
    // --worker: the job runner in a second process (`flowpay jobs work`), as README deploys it.
    worker: { type: "boolean", default: false },
  },
});
const duration = Number(values.seconds);

const server = await spawnServer({
  env: {
    LOG_LEVEL: "warn",
    CRM_RATE_LIMIT_PER_MINUTE: "1000000",
    ...(process.env.DB_WRITER ? { DB_WRITER: process.env.DB_WRITER } : {}),
    JOBS_ENABLED: values["no-jobs"] || values.worker ? "false" : "true",
  },
});
const apiKey = readFileSync(join(server.dataDir, "demo-api-key.txt"), "utf8").trim();
const worker = values.worker
  ? spawn("node_modules/.bin/tsx", ["scripts/cli.ts", "jobs", "work"], {
      stdio: "ignore",
      env: {
        ...process.env,
        FLOWPAY_ENV: "test",
        LOG_LEVEL: "warn",
        DATA_DIR: server.dataDir,
        DATABASE_URL: `file:${join(server.dataDir, "flowpay.db")}`,
      },
    })
  : null;

type Result = { rps: number; p50: number; p99: number; errors: number; non2xx: number };

async function run(opts: autocannon.Options): Promise<Result> {
  const result = await autocannon({ connections: 10, duration, ...opts });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

let counter = 0;
const body = () =>
  JSON.stringify({
    crm: "fieldroutes",
    crm_customer_id: `BENCH-${counter % 500}`,
    customer: { first_name: "Bench", last_name: "Customer", phone: "+15125550123" },
    job: { crm_job_id: `BENCH-JOB-${counter++}`, estimate_cents: 750000 },
    send_sms: true,
  });

try {
  // Warm both paths up (JIT, page cache) before measuring.
  await run({ url: `${server.url}/bench/empty`, duration: 2 });
  const empty = await run({ url: `${server.url}/bench/empty` });
  const intake = await run({
    url: `${server.url}/api/v1/crm/offer-financing`,
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const ratio = Math.round((intake.rps / empty.rps) * 100) / 100;
  const report = {
    jobs: values.worker ? "worker process" : values["no-jobs"] ? "off" : "in the server process",
    duration_s: duration,
    connections: 10,
    empty_route: empty,
    offer_financing: intake,
    ratio,
    targets: { ratio: 0.7, p99_ms: 50 },
  };
  if (values.json) console.log(JSON.stringify(report));
  else {
    console.log(`intake benchmark (${duration} s each, 10 connections, jobs ${report.jobs})`);
    console.log(
      `  empty resource route:  ${empty.rps} req/s, p50 ${empty.p50} ms, p99 ${empty.p99} ms`,
    );
    console.log(
      `  offer-financing:       ${intake.rps} req/s, p50 ${intake.p50} ms, p99 ${intake.p99} ms (non-2xx ${intake.non2xx}, errors ${intake.errors})`,
    );
    console.log(`  ratio ${ratio}× (target ≥ 0.7×, p99 < 50 ms)`);
  }
} finally {
  console.log(
    server
      .output()
      .split("\n")
      .filter((l) => l.startsWith("groups"))
      .join("\n"),
  );
  worker?.kill("SIGTERM");
  await server.stop("SIGTERM");
}
