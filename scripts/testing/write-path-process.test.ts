import { copyFileSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spawnServer, type RunningServer } from "./spawn-server";

/**
 * Issue 13, items 8 and 9, on the built server as production runs it: a writer thread that dies
 * is noticed and restarted (or, past the bound, the process exits non-zero), and a database file
 * deleted or replaced under the running server makes it refuse writes instead of acknowledging
 * them into a file that is gone (ADR 024, ADR 025).
 */
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function offerFinancing(running: RunningServer, jobId: string) {
  const apiKey = readFileSync(join(running.dataDir, "demo-api-key.txt"), "utf8").trim();
  return fetch(`${running.url}/api/v1/crm/offer-financing`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: `9${jobId}`,
      customer: {
        first_name: "Wren",
        last_name: "Writer",
        email: "wren@example.com",
        phone: "+15125550177",
      },
      job: { crm_job_id: jobId, description: "Termite treatment", estimate_cents: 250000 },
      send_sms: false,
    }),
  });
}

async function readyStatus(running: RunningServer) {
  const response = await fetch(`${running.url}/ready`);
  return {
    status: response.status,
    body: (await response.json()) as { checks: Record<string, { ok: boolean; detail?: string }> },
  };
}

/** Polls /ready until it answers `status` (bounded; not a timing assertion). */
async function until(running: RunningServer, status: number) {
  for (let i = 0; i < 300; i++) {
    if ((await readyStatus(running)).status === status) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe("the database file replaced under the running server (ADR 025)", () => {
  it("refuses the next writes with 503, goes unready, and says so once", async () => {
    server = await spawnServer({ env: { JOBS_ENABLED: "false" } });
    expect((await offerFinancing(server, "51001")).status).toBe(201);
    // A restore copied over it: another file (another inode) at the same path.
    const file = join(server.dataDir, "flowpay.db");
    copyFileSync(file, `${file}.copy`);
    renameSync(`${file}.copy`, file);

    for (const jobId of ["51002", "51003"]) {
      const refused = await offerFinancing(server, jobId);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("30");
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        "unavailable",
      );
    }
    const ready = await readyStatus(server);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.write_path?.detail).toMatch(/replaced/);
    const said = server.output().match(/refuses every write from now on/g) ?? [];
    expect(said).toHaveLength(1);
  }, 60_000);
});

describe("a writer thread that dies (ADR 024)", () => {
  it("is restarted: writes answer (201 or 503, never hang), /ready comes back, intake works", async () => {
    server = await spawnServer({
      env: { JOBS_ENABLED: "false", FLOWPAY_TEST_HOOKS: "1", DB_WRITER_MAX_RESTARTS: "3" },
    });
    expect((await offerFinancing(server, "52001")).status).toBe(201);
    server.process.kill("SIGUSR2");
    const during = await offerFinancing(server, "52002");
    expect([201, 503]).toContain(during.status);
    expect(await until(server, 200)).toBe(true);
    expect((await offerFinancing(server, "52003")).status).toBe(201);
    expect(server.output()).toMatch(/database writer thread stopped; restarting it/);
  }, 60_000);

  it("past the bound of restarts, the process exits non-zero so that it is restarted", async () => {
    server = await spawnServer({
      env: { JOBS_ENABLED: "false", FLOWPAY_TEST_HOOKS: "1", DB_WRITER_MAX_RESTARTS: "0" },
    });
    server.process.kill("SIGUSR2");
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.output()).toMatch(/database writer thread could not be restarted/);
  }, 60_000);
});
