/**
 * `npm run bench:intake [-- --seconds N] [--rounds N] [--json]`: drives POST
 * /api/v1/crm/offer-financing with autocannon (10 connections, embedded database, the built
 * server) and, in the same run, an empty Remix resource route of the same server as the
 * framework's ceiling — in turns, `--rounds` times (default 3). Prints req/s and p50/p99 latency
 * of both and their ratio, per round and as medians. Target (issue 4): ≥ 0.7× the empty route,
 * p99 < 50 ms. `--no-jobs` turns the server's job runner off; `--worker` runs it in a second
 * process instead. DB_WRITER=inline in the environment runs the server's write programs in its
 * own thread (ADR 019). `--runtime deno` measures the same build on Deno's own server
 * (scripts/deno/serve.ts), `--runtime both` one after the other in the same run (ADR 045).
 * `--port N` serves on N (and N+1 for the second runtime of `both`) instead of a free port, and
 * `--data-dir DIR` keeps each server's database under DIR/<runtime> instead of a temporary folder;
 * FLOWPAY_BUILD_DIR picks the server build as everywhere else.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { spawnJobWorker, spawnServer } from "~/scripts/testing/spawn-server";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
    // --no-jobs: the job runner off, to see the intake path alone (texts and CRM syncs then wait).
    "no-jobs": { type: "boolean", default: false },
    // --worker: the job runner in a second process (`flowpay jobs work`), as README deploys it.
    worker: { type: "boolean", default: false },
    runtime: { type: "string", default: "node" },
    port: { type: "string" },
    "data-dir": { type: "string" },
  },
});
if (!["node", "deno", "both"].includes(values.runtime)) {
  console.error("--runtime is node, deno or both");
  process.exit(2);
}
const runtimes = (values.runtime === "both" ? ["node", "deno"] : [values.runtime]) as (
  "node" | "deno"
)[];
const duration = Number(values.seconds);
const roundCount = Number(values.rounds);

/** A fresh database for each runtime: under --data-dir when given, else a temporary folder. */
function dataDirFor(runtime: "node" | "deno") {
  if (!values["data-dir"]) return undefined;
  const dir = resolve(values["data-dir"], runtime);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function benchRuntime(runtime: "node" | "deno", index: number) {
  const server = await spawnServer({
    runtime,
    dataDir: dataDirFor(runtime),
    ...(values.port ? { port: Number(values.port) + index } : {}),
    env: {
      LOG_LEVEL: "warn",
      CRM_RATE_LIMIT_PER_MINUTE: "1000000",
      ...(process.env.DB_WRITER ? { DB_WRITER: process.env.DB_WRITER } : {}),
      JOBS_ENABLED: values["no-jobs"] || values.worker ? "false" : "true",
    },
  });
  const apiKey = readFileSync(join(server.dataDir, "demo-api-key.txt"), "utf8").trim();
  const worker = values.worker ? spawnJobWorker(server, { quiet: true }) : null;

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
      crm_customer_id: `81${counter % 500}`,
      customer: { first_name: "Bench", last_name: "Customer", phone: "+15125550123" },
      job: { crm_job_id: `82${counter++}`, estimate_cents: 750000 },
      send_sms: true,
    });

  const median = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const round2 = (value: number) => Math.round(value * 100) / 100;

  try {
    const intakeRequest: autocannon.Options = {
      url: `${server.url}/api/v1/crm/offer-financing`,
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
    };
    // Warm both paths up (JIT, page cache) before measuring.
    await run({ url: `${server.url}/bench/empty`, duration: 2 });
    await run({ ...intakeRequest, duration: 2 });
    // The two routes are measured in turns, so both see the same state of the machine; the
    // medians are the result (single runs vary by about ±0.06 in ratio here).
    const rounds: { empty: Result; intake: Result; ratio: number }[] = [];
    for (let i = 0; i < roundCount; i++) {
      const empty = await run({ url: `${server.url}/bench/empty` });
      const intake = await run(intakeRequest);
      rounds.push({ empty, intake, ratio: round2(intake.rps / empty.rps) });
    }
    const summary = (pick: (r: (typeof rounds)[number]) => Result) => ({
      rps: Math.round(median(rounds.map((r) => pick(r).rps))),
      p50: median(rounds.map((r) => pick(r).p50)),
      p99: median(rounds.map((r) => pick(r).p99)),
      errors: rounds.reduce((n, r) => n + pick(r).errors, 0),
      non2xx: rounds.reduce((n, r) => n + pick(r).non2xx, 0),
    });
    const empty = summary((r) => r.empty);
    const intake = summary((r) => r.intake);
    const ratio = round2(median(rounds.map((r) => r.ratio)));
    const report = {
      runtime,
      jobs: values.worker ? "worker process" : values["no-jobs"] ? "off" : "in the server process",
      duration_s: duration,
      connections: 10,
      rounds: rounds.map((r) => ({
        empty_rps: r.empty.rps,
        intake_rps: r.intake.rps,
        intake_p99: r.intake.p99,
        ratio: r.ratio,
      })),
      empty_route: empty,
      offer_financing: intake,
      ratio,
      targets: { ratio: 0.7, p99_ms: 50 },
    };
    if (!values.json) {
      console.log(
        `intake benchmark on ${runtime} (${roundCount} rounds of ${duration} s each, 10 connections, jobs ${report.jobs})`,
      );
      for (const [i, r] of rounds.entries()) {
        console.log(
          `  round ${i + 1}: empty ${r.empty.rps} req/s, offer-financing ${r.intake.rps} req/s (p99 ${r.intake.p99} ms), ratio ${r.ratio}×`,
        );
      }
      console.log("  medians:");
      console.log(
        `  empty resource route:  ${empty.rps} req/s, p50 ${empty.p50} ms, p99 ${empty.p99} ms`,
      );
      console.log(
        `  offer-financing:       ${intake.rps} req/s, p50 ${intake.p50} ms, p99 ${intake.p99} ms (non-2xx ${intake.non2xx}, errors ${intake.errors})`,
      );
      console.log(`  ratio ${ratio}× (target ≥ 0.7×, p99 < 50 ms)`);
    }
    return report;
  } finally {
    worker?.kill("SIGTERM");
    await server.stop("SIGTERM");
  }
}

const reports = [];
for (const [index, runtime] of runtimes.entries()) reports.push(await benchRuntime(runtime, index));
if (values.json) console.log(JSON.stringify(reports.length === 1 ? reports[0] : reports));
