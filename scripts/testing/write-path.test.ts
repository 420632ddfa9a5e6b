import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOCK_LENDER_SANDBOX_WEBHOOK_SECRET } from "~/adapters/lender/mock-lender";
import { signLenderWebhook } from "~/adapters/lender/signature";
import { spawnServer, type RunningServer } from "./spawn-server";

/**
 * ADR 024, on the built server as production runs it: while another process holds the database's
 * write lock for longer than the busy timeout (the "locked by another process for 15 s" of issue
 * 13), a request that cannot be written answers 503 with Retry-After — the API in its error
 * shape, a borrower form re-rendered with what they typed — `/ready` is 503 naming the write
 * path, and all of it heals once the lock is released.
 */
const Database = createRequire(import.meta.url)("libsql") as new (path: string) => {
  exec(sql: string): void;
  close(): void;
};

let server: RunningServer;
let apiKey: string;

beforeAll(async () => {
  server = await spawnServer({
    env: {
      // Short, so a refused write answers quickly; the probe outlasts it and reports the lock.
      DB_BUSY_TIMEOUT_MS: "250",
      READY_WRITE_PROBE_TIMEOUT_MS: "3000",
      JOBS_ENABLED: "false",
    },
  });
  apiKey = readFileSync(join(server.dataDir, "demo-api-key.txt"), "utf8").trim();
}, 60_000);

afterAll(async () => {
  if (process.env.HDB_DEBUG) console.log(server?.output());
  await server?.stop();
});

function offerFinancing(jobId: string) {
  return fetch(`${server.url}/api/v1/crm/offer-financing`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: `9${jobId}`,
      customer: {
        first_name: "Lena",
        last_name: "Locked",
        email: "lena@example.com",
        phone: "+15125550142",
      },
      job: { crm_job_id: jobId, description: "Termite treatment", estimate_cents: 250000 },
      send_sms: false,
    }),
  });
}

/** The details page asks its consents with it (issue 17). */
const consents = { creditPull: "on", esign: "on", privacy: "on" };

function post(path: string, form: Record<string, string>) {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: server.url, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
}

async function ready() {
  const response = await fetch(`${server.url}/ready`);
  return {
    status: response.status,
    body: (await response.json()) as { checks: Record<string, { ok: boolean; detail?: string }> },
  };
}

/** Holds the write lock from another connection (another process would do the same). */
function lockDatabase() {
  const other = new Database(join(server.dataDir, "flowpay.db"));
  other.exec("BEGIN EXCLUSIVE");
  return () => {
    other.exec("ROLLBACK");
    other.close();
  };
}

describe("when another process holds the database's write lock", () => {
  it("refuses writes with 503 + Retry-After, keeps the borrower's values, and /ready says so until the lock is gone", async () => {
    // A borrower on the details step, before anything goes wrong.
    const created = await offerFinancing("53001");
    expect(created.status).toBe(201);
    const { apply_url } = (await created.json()) as { apply_url: string };
    const path = new URL(apply_url).pathname;
    const started = await post(`${path}?index`, {});
    expect(started.status).toBe(302);
    expect((await ready()).status).toBe(200);

    const unlock = lockDatabase();
    try {
      // The CRM intake: the API's error shape, code `unavailable`, and when to retry.
      const refused = await offerFinancing("53002");
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("30");
      const body = (await refused.json()) as {
        error: { code: string; message: string; request_id: string };
      };
      expect(body.error.code).toBe("unavailable");
      expect(body.error.request_id).toMatch(/^req_/);
      expect(body.error.message).not.toMatch(/SQLITE|locked|stack/i);

      // A borrower form: the same page again, with what they typed and "try again in a minute".
      const details = await post(`${path}/details`, {
        dateOfBirth: "1985-04-12",
        ssn: "123-45-7800",
        monthlyIncome: "5432",
        housingCost: "1234",
        ...consents,
      });
      expect(details.status).toBe(503);
      expect(details.headers.get("retry-after")).toBe("30");
      expect(details.headers.get("content-type")).toMatch(/text\/html/);
      const page = await details.text();
      expect(page).toContain("try again in a minute");
      expect(page).toMatch(
        /name="monthlyIncome"[^>]*value="5432"|value="5432"[^>]*name="monthlyIncome"/,
      );
      expect(page).toMatch(
        /name="housingCost"[^>]*value="1234"|value="1234"[^>]*name="housingCost"/,
      );
      // Still never echoed back (the details page's rule), even now.
      expect(page).not.toContain("123-45-7800");

      // A partner's webhook (stored once, applied later): 503 too, so the sender retries.
      const event = JSON.stringify({
        id: "evt_locked_1",
        event: "loan.funded",
        loan_id: "LOAN-LOCKED",
        funded_amount_cents: 100,
        occurred_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      });
      const webhook = await fetch(`${server.url}/api/v1/webhooks/lender/mock`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Lender-Signature": signLenderWebhook(
            MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
            event,
            Math.floor(Date.now() / 1000),
          ),
        },
        body: event,
      });
      expect(webhook.status).toBe(503);
      expect(webhook.headers.get("retry-after")).toBe("30");
      expect(((await webhook.json()) as { error: { code: string } }).error.code).toBe(
        "unavailable",
      );

      // FlowOps: signing in writes a session — a 503 page, not a 500.
      const login = await post("/ops/login", {
        email: "admin@flowpay.test",
        password: "flowpay-demo-password",
      });
      expect(login.status).toBe(503);
      expect(login.headers.get("retry-after")).toBe("30");
      expect(login.headers.get("content-type")).toMatch(/text\/html/);
      expect(await login.text()).toMatch(/try again/i);

      // Not ready: the write path's probe fails; the process itself is alive.
      const notReady = await ready();
      expect(notReady.status).toBe(503);
      expect(notReady.body.checks.write_path?.ok).toBe(false);
      expect(notReady.body.checks.write_path?.detail).toMatch(/busy|locked|did not finish/);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      unlock();
    }

    // The lock is gone: ready again, and the same writes succeed.
    expect((await ready()).status).toBe(200);
    expect((await offerFinancing("53002")).status).toBe(201);
    expect(
      (
        await post(`${path}/details`, {
          dateOfBirth: "1985-04-12",
          ssn: "123-45-7800",
          monthlyIncome: "5432",
          housingCost: "1234",
          ...consents,
        })
      ).status,
    ).toBe(302);
    // Nothing the server said was unexpected: no error-level log line for the refusals.
    expect(server.output()).not.toMatch(/"level":"(error|fatal)"[^\n]*database is locked/);
  }, 60_000);
});
