import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInDemoOperator } from "./ops-signin";
import { spawnServer, type RunningServer } from "./spawn-server";

/**
 * Issue 19, "multi-process is real" (ADR 084): two web processes of the built server on one
 * database file — the two-web-process layout of the README — share the CRM API's per-key and
 * per-address budgets. Each process counted alone before (ADR 010): a caller alternating between
 * them got twice the limit. The second process runs on Deno (ADR 045): both runtimes share the
 * counters, and Deno's reader threads (ADR 083) serve the FlowOps pages.
 */
const readLimit = 6;
const writeLimit = 45;
let first: RunningServer;
let second: RunningServer;
let apiKey: string;

beforeAll(async () => {
  const env = {
    JOBS_ENABLED: "false",
    CRM_READ_RATE_LIMIT_PER_MINUTE: String(readLimit),
    CRM_RATE_LIMIT_PER_MINUTE: String(writeLimit),
  };
  first = await spawnServer({ env });
  // The second process opens the first one's database (migrated and seeded by it).
  second = await spawnServer({ env, dataDir: first.dataDir, runtime: "deno" });
  apiKey = readFileSync(join(first.dataDir, "demo-api-key.txt"), "utf8").trim();
}, 90_000);

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
});

const list = (server: RunningServer) =>
  fetch(`${server.url}/api/v1/crm/webhook-endpoints`, {
    headers: { Authorization: `Bearer ${apiKey}` },
  });

/** A write the API refuses after the budget is charged (422: no body), so nothing is created. */
const badWrite = (server: RunningServer) =>
  fetch(`${server.url}/api/v1/crm/webhook-endpoints`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: "{}",
  });

describe("rate limits across two server processes on one database", () => {
  it("a key's read budget is one budget, whichever process answers", async () => {
    const answers: { status: number; remaining: string | null }[] = [];
    for (let i = 0; i < readLimit + 4; i++) {
      const response = await list(i % 2 === 0 ? first : second);
      await response.arrayBuffer();
      answers.push({
        status: response.status,
        remaining: response.headers.get("ratelimit-remaining"),
      });
    }
    // Counted once for both: 6 answers, then 429 from either process.
    expect(answers.map((a) => a.status)).toEqual([
      ...Array<number>(readLimit).fill(200),
      429,
      429,
      429,
      429,
    ]);
    expect(answers.slice(0, readLimit).map((a) => a.remaining)).toEqual([
      "5",
      "4",
      "3",
      "2",
      "1",
      "0",
    ]);
    const refused = await list(second);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  it("leases of a larger budget never let more than the limit through in all", async () => {
    // A limit of 45: each process leases 2 requests at a time (ADR 084), so the two together
    // let through at most 45 and lose at most one to the other's unused lease.
    const statuses: number[] = [];
    for (let i = 0; i < writeLimit + 10; i++) {
      const response = await badWrite(i % 3 === 0 ? second : first);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    const passed = statuses.filter((s) => s !== 429).length;
    expect(passed).toBeLessThanOrEqual(writeLimit);
    expect(passed).toBeGreaterThanOrEqual(writeLimit - 1);
    expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
  });

  it("the Deno process serves the pages that read in its reader threads", async () => {
    const cookie = await signInDemoOperator(second.url);
    for (const path of ["/ops", "/ops/jobs", "/ops/applications", "/ops/audit"]) {
      const response = await fetch(second.url + path, { headers: { cookie } });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(await response.text()).toContain("<html");
    }
  });
});
