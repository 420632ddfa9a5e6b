import { readFileSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServer, type RunningServer } from "./spawn-server";

/**
 * FlowPay on Deno's own server (scripts/deno/serve.ts, ADR 045) against the same build under
 * remix-serve on Node: a request on either runtime gets the same status and the same headers
 * (values that differ per response — dates, ids, nonces — compared by shape), and the same log
 * line. Then the Deno server's own duties: static files, the Origin policy, a graceful SIGTERM.
 */
// Where remix.config.js puts the browser assets: beside a FLOWPAY_BUILD_DIR build, else public/.
const assetsDir = process.env.FLOWPAY_BUILD_DIR
  ? join(process.env.FLOWPAY_BUILD_DIR, "public/build")
  : "public/build";
let node: RunningServer;
let deno: RunningServer;

beforeAll(async () => {
  [node, deno] = await Promise.all([
    spawnServer({ runtime: "node", env: { CRM_RATE_LIMIT_PER_MINUTE: "100000" } }),
    spawnServer({
      runtime: "deno",
      env: { SHUTDOWN_GRACE_MS: "15000", CRM_RATE_LIMIT_PER_MINUTE: "100000" },
    }),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([node?.stop(), deno?.stop()]);
});

/**
 * Transport headers belong to each server's HTTP layer, not to FlowPay: framing, keep-alive and
 * compression (remix-serve gzips streamed bodies, Deno.serve only larger ones).
 */
const transport = new Set([
  "date",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "vary",
]);
/** Headers whose value changes per response; compared by presence only. */
const perResponse = new Set(["x-request-id", "etag", "last-modified", "set-cookie"]);

function normalized(response: Response) {
  const out: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    if (transport.has(name)) continue;
    if (perResponse.has(name)) out[name] = "<present>";
    else out[name] = value.replace(/'nonce-[^']+'/g, "'nonce-…'");
  }
  return out;
}

const apiKey = (server: RunningServer) =>
  readFileSync(join(server.dataDir, "demo-api-key.txt"), "utf8").trim();

async function both(path: string, init: (server: RunningServer) => RequestInit = () => ({})) {
  const [a, b] = await Promise.all(
    [node, deno].map((server) =>
      fetch(`${server.url}${path}`, { redirect: "manual", ...init(server) }),
    ),
  );
  return { node: a!, deno: b! };
}

describe("the same build on Deno's own server and on remix-serve", () => {
  const cases: [string, string, (server: RunningServer) => RequestInit][] = [
    ["health", "/health", () => ({})],
    ["readiness", "/ready", () => ({})],
    ["the OpenAPI document", "/api/v1/openapi.json", () => ({})],
    ["a FlowOps page", "/ops/login", () => ({})],
    ["an unknown page", "/no-such-page", () => ({})],
    ["an API error", "/api/v1/crm/applications/app_00000000000000000000000000", () => ({})],
    [
      "an API answer",
      "/api/v1/crm/as-low-as?amount_cents=750000",
      (server) => ({ headers: { authorization: `Bearer ${apiKey(server)}` } }),
    ],
    ["the framable widget", "/widgets/as-low-as/acme-pest-control?amount_cents=750000", () => ({})],
    [
      "a cross-site post",
      "/ops/login",
      () => ({
        method: "POST",
        headers: { origin: "https://evil.example" },
        body: new URLSearchParams({ email: "a@b.c" }),
      }),
    ],
    [
      "a malformed Origin",
      "/api/v1/crm/offer-financing",
      () => ({
        method: "POST",
        headers: { origin: "http://[", "content-type": "application/json" },
        body: "{}",
      }),
    ],
  ];
  for (const [what, path, init] of cases) {
    it(`answers ${what} with the same status and headers`, async () => {
      const answers = await both(path, init);
      expect(answers.deno.status).toBe(answers.node.status);
      expect(normalized(answers.deno)).toEqual(normalized(answers.node));
      // Each baseline header once (a duplicate would read "a, a").
      expect(answers.deno.headers.get("x-frame-options")).toBe(
        path.startsWith("/widgets/") ? null : "DENY",
      );
      expect(answers.deno.headers.get("x-request-id")).toMatch(/^req_/);
    });
  }

  it("logs one JSON request line per request, with the route pattern, never the token", async () => {
    const token = "tok_ThisIsASecretLinkTokenValue123";
    await both(`/apply/${token}/details`);
    // The line is written when the response finishes and reaches us through a pipe: wait for
    // it (a slow machine may take longer than any fixed pause) rather than for a set time.
    const requestLines = (server: typeof node) =>
      server
        .output()
        .split("\n")
        .filter((line) => line.includes('"message":"request"') && line.includes("/apply/"));
    const deadline = Date.now() + 10_000;
    while (
      [node, deno].some((server) => requestLines(server).length === 0) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const server of [node, deno]) {
      const lines = requestLines(server);
      expect(lines.length, server === node ? "node" : "deno").toBeGreaterThan(0);
      const entry = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
      expect(Object.keys(entry).sort()).toEqual(
        [
          "duration_ms",
          "level",
          "message",
          "method",
          "path",
          "request_id",
          "route",
          "service",
          "status",
          "time",
          "trace_id",
        ].sort(),
      );
      expect(entry.path).toBe("/apply/:token/details");
      expect(server.output()).not.toContain(token);
    }
  });
});

describe("Deno's own server", () => {
  it("serves the build's assets immutable and answers If-None-Match with 304", async () => {
    const asset = readdirSync(assetsDir).find((name) => name.startsWith("entry.client"))!;
    const first = await fetch(`${deno.url}/build/${asset}`);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(first.headers.get("content-type")).toContain("javascript");
    expect((await first.text()).length).toBeGreaterThan(100);
    const again = await fetch(`${deno.url}/build/${asset}`, {
      headers: { "if-none-match": first.headers.get("etag")! },
    });
    expect(again.status).toBe(304);
    const nodeAsset = await fetch(`${node.url}/build/${asset}`);
    expect(nodeAsset.headers.get("cache-control")).toBe(first.headers.get("cache-control"));
  });

  it("never serves a file outside its folders", async () => {
    for (const path of [
      "/build/../../package.json",
      "/build/%2e%2e/%2e%2e/package.json",
      "/build/..%2f..%2fpackage.json",
      "/..%2fpackage.json",
    ]) {
      const response = await fetch(`${deno.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('"name": "flowpay"');
    }
  });

  it("accepts CRM intake under concurrent load without a failure", async () => {
    const key = apiKey(deno);
    const send = (i: number) =>
      fetch(`${deno.url}/api/v1/crm/offer-financing`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          crm: "fieldroutes",
          crm_customer_id: `${1000 + (i % 50)}`,
          customer: { first_name: "Load", last_name: "Test", phone: "+15125550123" },
          job: { crm_job_id: `${500_000 + i}`, estimate_cents: 750000 },
          send_sms: false,
        }),
      });
    const statuses: number[] = [];
    // 10 clients, 20 requests each: group commits in the writer thread overlap (issue 21).
    await Promise.all(
      Array.from({ length: 10 }, async (_, client) => {
        for (let n = 0; n < 20; n++) statuses.push((await send(client * 100 + n)).status);
      }),
    );
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    expect(deno.output()).not.toContain("cannot start a transaction within a transaction");
  });

  it("finishes an in-flight request on SIGTERM, then exits 0", async () => {
    const key = apiKey(deno);
    const body = JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: "4242",
      customer: { first_name: "Last", last_name: "Request", phone: "+15125550123" },
      job: { crm_job_id: "4243", estimate_cents: 750000 },
      send_sms: false,
    });
    // Really in flight: a connection of its own (a kept-alive idle one is closed by a shutdown,
    // as any server does), the headers and half the body sent before SIGTERM, the rest after.
    const url = new URL(`${deno.url}/api/v1/crm/offer-financing`);
    let status = 0;
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "POST",
      agent: false,
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      },
    });
    const answered = new Promise<void>((resolve, reject) => {
      req.on("response", (res) => {
        status = res.statusCode ?? 0;
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
    });
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    await new Promise((r) => setTimeout(r, 300));
    deno.process.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 50));
    req.end(body.slice(half));
    await answered;
    expect(status).toBe(201);
    const exit = await deno.exited;
    expect(exit.code).toBe(0);
    expect(deno.output()).toContain('"message":"shutting down"');
  });
});
