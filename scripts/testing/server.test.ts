import { createServer, type Server } from "node:http";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { demo } from "~/app/demo/seed.server";
import { signInDemoOperator } from "./ops-signin";
import { spawnServer, type RunningServer } from "./spawn-server";

/**
 * The built server as production runs it (remix-serve + build/index.js), on its own database.
 * `npm test` builds before running these.
 */
const running: RunningServer[] = [];
async function start(options: Parameters<typeof spawnServer>[0] = {}) {
  const server = await spawnServer(options);
  running.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
});

const signIn = signInDemoOperator;

describe("the built server", () => {
  it("serves health, readiness, metrics and request ids, and logs JSON without secrets", async () => {
    const server = await start();
    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toEqual({ status: "ok" });

    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks.database?.ok).toBe(true);
    expect(body.checks.migrations?.ok).toBe(true);

    // A caller's request id is kept; otherwise one is made.
    const echoed = await fetch(`${server.url}/health`, {
      headers: { "X-Request-Id": "crm-req-12345" },
    });
    expect(echoed.headers.get("x-request-id")).toBe("crm-req-12345");
    const made = await fetch(`${server.url}/ops/login`);
    expect(made.headers.get("x-request-id")).toMatch(/^req_/);
    expect(made.headers.get("x-content-type-options")).toBe("nosniff");

    await signIn(server.url);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_requests_total\{method="GET",route="\/health",status="200"\} [2-9]/,
    );
    expect(metrics).toContain("http_request_duration_seconds_bucket");

    const lines = server
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const logged = lines.find((l) => l.request_id === "crm-req-12345");
    expect(logged).toMatchObject({ route: "/health", status: 200, method: "GET" });
    expect(typeof logged?.duration_ms).toBe("number");
    expect(logged?.trace_id).toMatch(/^[\da-f]{32}$/);
    // remix-serve's plain-text access lines are replaced by the JSON ones; no password anywhere.
    expect(server.output()).not.toMatch(/^GET \/health 200/m);
    expect(server.output()).not.toContain(demo.operatorPassword);
  });

  it("loses nothing committed when killed with SIGKILL and restarted", async () => {
    const first = await start();
    const cookie = await signIn(first.url);
    expect((await fetch(`${first.url}/ops`, { headers: { cookie } })).status).toBe(200);
    await first.stop("SIGKILL");

    const second = await start({ dataDir: first.dataDir });
    // The session written before the kill is still there, and so is its audit trail.
    const ops = await fetch(`${second.url}/ops`, { headers: { cookie }, redirect: "manual" });
    expect(ops.status).toBe(200);
    expect(await ops.text()).toContain(demo.operatorEmail);
    const db = createClient({ url: `file:${first.dataDir}/flowpay.db` });
    const audits = await db.execute(
      "SELECT action FROM audit_logs WHERE action = 'operator.login'",
    );
    expect(audits.rows.length).toBe(1);
    // Restarting did not seed the demo a second time.
    const merchants = await db.execute(
      "SELECT count(*) AS n FROM merchants WHERE slug = 'acme-pest-control'",
    );
    expect(merchants.rows[0]!.n).toBe(1);
    db.close();
  });

  it("stops with a message naming a bad variable", async () => {
    const server = await start({ env: { DATABASE_URL: "postgres://nope" }, waitReady: false });
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.output()).toContain("DATABASE_URL");
    expect(server.output()).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
  });

  it("refuses to start in production without its secrets", async () => {
    const server = await start({ env: { FLOWPAY_ENV: "production" }, waitReady: false });
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.output()).toMatch(/SESSION_SECRET: required/);
    expect(server.output()).toMatch(/ENCRYPTION_KEYS: required/);
  });

  it("guards /metrics with METRICS_TOKEN when set, and stops cleanly on SIGTERM", async () => {
    const server = await start({ env: { METRICS_TOKEN: "metrics-token-0123456789" } });
    const denied = await fetch(`${server.url}/metrics`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const allowed = await fetch(`${server.url}/metrics`, {
      headers: { Authorization: "Bearer metrics-token-0123456789" },
    });
    expect(allowed.status).toBe(200);
    server.process.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
  });

  it("exports request and database spans over OTLP when an endpoint is set", async () => {
    const received: string[] = [];
    const collector: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if (req.url === "/v1/traces") received.push(body);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
    const { port } = collector.address() as { port: number };
    try {
      const server = await start({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      });
      await fetch(`${server.url}/ready`);
      const deadline = Date.now() + 10_000;
      while (!received.join("").includes("GET /ready") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const exported = received.join("");
      expect(exported).toContain("GET /ready");
      expect(exported).toContain("db.execute");
    } finally {
      collector.close();
    }
  });
});
