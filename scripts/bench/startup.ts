/**
 * `npm run bench:startup [-- --runs N] [--json]`: how fast the built server reaches /ready and
 * how much memory it holds when idle. Each run starts remix-serve on a fresh database (the
 * first-run path: migrate + seed) and on an existing one (the restart path).
 * Targets (issue 2): /ready within 3 s of starting from a build; idle RSS under 200 MB.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { spawnServer } from "~/scripts/testing/spawn-server";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, json: { type: "boolean", default: false } },
});
const runs = Number(values.runs);

function rssMb(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(status.match(/VmRSS:\s+(\d+) kB/)![1]);
  return kb / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(dataDir?: string) {
  const started = performance.now();
  const server = await spawnServer({ dataDir, env: { LOG_LEVEL: "warn" } });
  const readyMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 2000)); // idle
  const rss = rssMb(server.process.pid!);
  await server.stop("SIGTERM");
  return { readyMs, rss, dataDir: server.dataDir };
}

const fresh: { readyMs: number; rss: number }[] = [];
const restart: { readyMs: number; rss: number }[] = [];
for (let i = 0; i < runs; i++) {
  const first = await measure();
  fresh.push(first);
  restart.push(await measure(first.dataDir));
}

const result = {
  runs,
  fresh_database: {
    ready_ms_p50: Math.round(median(fresh.map((r) => r.readyMs))),
    idle_rss_mb_p50: Math.round(median(fresh.map((r) => r.rss))),
  },
  existing_database: {
    ready_ms_p50: Math.round(median(restart.map((r) => r.readyMs))),
    idle_rss_mb_p50: Math.round(median(restart.map((r) => r.rss))),
  },
  targets: { ready_ms: 3000, idle_rss_mb: 200 },
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`startup (${runs} runs, median)`);
  console.log(
    `  fresh database:    /ready after ${result.fresh_database.ready_ms_p50} ms, idle RSS ${result.fresh_database.idle_rss_mb_p50} MB`,
  );
  console.log(
    `  existing database: /ready after ${result.existing_database.ready_ms_p50} ms, idle RSS ${result.existing_database.idle_rss_mb_p50} MB`,
  );
  console.log(`  targets: /ready < 3000 ms, idle RSS < 200 MB`);
}
