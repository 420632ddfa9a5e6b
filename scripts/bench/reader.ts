/**
 * `npx tsx scripts/bench/reader.ts [--rows 300000] [--json]` (ADR 083): what a read costs on the
 * serving thread and in a reader thread. On a fresh database file with `--rows` rows: a point read
 * by primary key (as a session or API key lookup) and a scan (as a dashboard figure without its
 * rollup), each on the serving thread's connection and through `database.reader`; and how long
 * the serving thread's event loop was held meanwhile (the longest delay of a 1 ms timer).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase, type Database } from "~/db/client";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "300000" },
    json: { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function pointReads(client: Database["client"], n: number) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = 1 + ((i * 7919) % rows);
    const start = performance.now();
    await client.execute({ sql: "SELECT id, name, k FROM bench_rows WHERE id = ?", args: [id] });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {
    meanUs: round((times.reduce((a, b) => a + b, 0) / n) * 1000, 0),
    p99Us: round(times[Math.floor(n * 0.99)]! * 1000, 0),
  };
}

/**
 * A scan's wall time, and the serving thread's event loop meanwhile: the longest gap between two
 * ticks of a 1 ms timer (a query on this thread holds every timer, request and answer until it
 * ends).
 */
async function scan(client: Database["client"]) {
  let last = performance.now();
  let held = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    held = Math.max(held, now - last);
    last = now;
  }, 1);
  const start = performance.now();
  await client.execute(
    "SELECT k, count(*) AS n, sum(length(name)) AS s FROM bench_rows GROUP BY k",
  );
  const ms = performance.now() - start;
  // One more tick, so a loop held until the end shows.
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(ticker);
  return { ms: round(ms), eventLoopHeldMs: round(held) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "flowpay-bench-reader-"));
  const database = await openDatabase({ url: `file:${join(dir, "bench.db")}`, readers: 2 });
  try {
    await database.writeProgram({
      steps: [
        {
          sql: "CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, name TEXT NOT NULL, k INTEGER)",
          args: [],
        },
        {
          sql: `INSERT INTO bench_rows (id, name, k)
                WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
                SELECT x, 'row number ' || x, x % 97 FROM c`,
          args: [rows],
        },
      ],
    });
    // Warm both paths (threads started, statements compiled, pages cached).
    await pointReads(database.client, 200);
    await pointReads(database.reader.client, 200);
    await scan(database.client);
    await scan(database.reader.client);
    const report = {
      rows,
      pointRead: {
        servingThread: await pointReads(database.client, 5000),
        readerThread: await pointReads(database.reader.client, 5000),
      },
      scan: {
        servingThread: await scan(database.client),
        readerThread: await scan(database.reader.client),
      },
    };
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      const { pointRead, scan: s } = report;
      console.log(`${rows.toLocaleString("en-US")} rows`);
      console.log(
        `point read: serving thread ${pointRead.servingThread.meanUs} µs (p99 ${pointRead.servingThread.p99Us}), reader thread ${pointRead.readerThread.meanUs} µs (p99 ${pointRead.readerThread.p99Us})`,
      );
      console.log(
        `scan: serving thread ${s.servingThread.ms} ms, event loop held ${s.servingThread.eventLoopHeldMs} ms; reader thread ${s.readerThread.ms} ms, event loop held ${s.readerThread.eventLoopHeldMs} ms`,
      );
    }
  } finally {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
