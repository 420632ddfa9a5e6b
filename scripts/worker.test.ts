import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnJobWorker, spawnServer, type RunningServer } from "./testing/spawn-server";

/**
 * The deployment where web processes run with JOBS_ENABLED=false and a separate worker
 * (`npm run flowpay -- jobs work`) runs the jobs, both on one database file: the built server
 * accepts a request, nothing is texted until the worker runs, the worker texts once, and
 * SIGTERM stops it cleanly.
 */
let server: RunningServer;
let apiKey: string;

beforeAll(async () => {
  server = await spawnServer({ env: { JOBS_ENABLED: "false", LOG_LEVEL: "warn" } });
  apiKey = readFileSync(join(server.dataDir, "demo-api-key.txt"), "utf8").trim();
}, 60_000);
afterAll(() => server?.stop());

async function smsStatus(applicationId: string) {
  const response = await fetch(`${server.url}/api/v1/crm/applications/${applicationId}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { sms_status: string }).sms_status;
}

describe("a separate worker process (jobs work)", () => {
  it("delivers what a web process without a job runner accepted, then stops on SIGTERM", async () => {
    const created = await fetch(`${server.url}/api/v1/crm/offer-financing`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        crm: "fieldroutes",
        crm_customer_id: "75001",
        customer: { first_name: "Wren", last_name: "Worker", phone: "+15125550188" },
        job: { crm_job_id: "76001", estimate_cents: 250000 },
        send_sms: true,
      }),
    });
    expect(created.status).toBe(201);
    const { application_id: applicationId } = (await created.json()) as { application_id: string };
    await new Promise((r) => setTimeout(r, 1000));
    expect(await smsStatus(applicationId)).toBe("queued");

    const worker = spawnJobWorker(server);
    let output = "";
    worker.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
    try {
      // "sending" is the moment between claiming the text and Twilio's answer; wait past it
      // to a settled state rather than stopping at the first change.
      const settled = new Set(["sent", "delivered", "undelivered", "failed", "suppressed"]);
      const deadline = Date.now() + 30_000;
      let status = await smsStatus(applicationId);
      while (!settled.has(status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        status = await smsStatus(applicationId);
      }
      expect(status, output).toBe("sent");
    } finally {
      worker.kill("SIGTERM");
    }
    expect(await exited, output).toBe(0);
    expect(output).toContain("Job runner stopped (SIGTERM)");
  }, 60_000);
});
