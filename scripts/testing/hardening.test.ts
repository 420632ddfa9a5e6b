import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demo } from "~/app/demo/seed.server";
import { signInDemoOperator } from "./ops-signin";
import { spawnServer, type RunningServer } from "./spawn-server";

/**
 * Issue 13's security and shutdown items against the *built* server as production runs it
 * (remix-serve build/index.js): what a browser, an attacker and `docker stop` would see.
 * `npm test` builds before running these (FLOWPAY_BUILD_DIR honoured).
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

/** A local OTLP/HTTP collector: every exported span batch, as received. */
async function startCollector() {
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
  return { url: `http://127.0.0.1:${port}`, received, close: () => collector.close() };
}

/** Raw response headers (name → every value sent), which fetch would fold into one. */
function rawHeaders(url: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Map<string, string[]> }>((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers }, (res) => {
      const headers = new Map<string, string[]>();
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i]!.toLowerCase();
        headers.set(name, [...(headers.get(name) ?? []), res.rawHeaders[i + 1]!]);
      }
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function offerFinancing(server: RunningServer, sendSms = true) {
  const apiKey = readFileSync(join(server.dataDir, "demo-api-key.txt"), "utf8").trim();
  // Digits only, ≤ 18 of them with the prefixes below: FieldRoutes ids (ADR 080).
  const n = `${Date.now() % 1_000_000_000}${randomInt(1000, 10000)}`;
  const response = await fetch(`${server.url}/api/v1/crm/offer-financing`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: `61${n}`,
      customer: {
        first_name: "Jamie",
        last_name: "Rivera",
        email: `jamie.${n}@example.com`,
        phone: "+15125550123",
        address: { line1: "1 Main St", city: "Austin", state: "TX", postal_code: "78701" },
      },
      job: { crm_job_id: `62${n}`, estimate_cents: 750000 },
      send_sms: sendSms,
    }),
  });
  expect(response.status).toBe(201);
  const { apply_url: applyUrl } = (await response.json()) as { apply_url: string };
  const base = new URL(applyUrl).pathname;
  return { apiKey, base, token: base.split("/").pop()! };
}

/** A form post as a browser without JavaScript sends it; returns the redirect target path. */
async function post(server: RunningServer, path: string, fields: Record<string, string>) {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: server.url },
    body: new URLSearchParams({ website: "", ...fields }).toString(),
  });
  const location = response.headers.get("location");
  if (response.status < 300 || response.status >= 400 || !location) {
    throw new Error(`POST ${path}: ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
  const target = new URL(location, server.url);
  return `${target.pathname}${target.search}`;
}

async function get(server: RunningServer, path: string) {
  const response = await fetch(`${server.url}${path}`, { redirect: "manual" });
  const body = await response.text();
  return { status: response.status, location: response.headers.get("location"), body };
}

/** The whole borrower journey over HTTP, from the link to the signed agreement. */
async function borrowerJourney(server: RunningServer) {
  const { base, token } = await offerFinancing(server);
  const step = (name: string) => `${base}/${name}`;
  expect((await get(server, base)).status).toBe(200);
  expect(await post(server, `${base}?index`, {})).toBe(step("details"));
  // The details page carries its consents; identity runs inline after the bank (issue 17).
  expect(
    await post(server, step("details"), {
      dateOfBirth: "1985-04-12",
      ssn: "123457800",
      monthlyIncome: "6000",
      housingCost: "1500",
      creditPull: "on",
      esign: "on",
      privacy: "on",
    }),
  ).toBe(step("bank"));
  expect(
    await post(server, step("bank"), { intent: "link", publicToken: "public-sandbox-healthy" }),
  ).toBe(step("review"));
  // The submit answers with the decision when it is made within ~2 s, else the pending page.
  const afterSubmit = await post(server, step("review"), {});
  expect([step("pending"), step("offers")]).toContain(afterSubmit);
  let offers = afterSubmit === step("offers") ? afterSubmit : "";
  for (let i = 0; i < 300 && !offers; i++) {
    const pending = await get(server, step("pending"));
    if (pending.status === 302) offers = new URL(pending.location!, server.url).pathname;
    else await new Promise((r) => setTimeout(r, 100));
  }
  expect(offers).toBe(step("offers"));
  const offersPage = await get(server, step("offers"));
  const offerId = /name="offer" value="(off_[0-9a-z]+)"/.exec(offersPage.body)?.[1];
  expect(offerId).toBeTruthy();
  const sign = await get(server, `${step("sign")}?offer=${offerId}`);
  expect(sign.status).toBe(200);
  const hash = /name="agreementHash" value="([^"]+)"/.exec(sign.body)?.[1] ?? "";
  expect(
    await post(server, step("sign"), {
      offerId: offerId!,
      agreementHash: hash,
      fullName: "Jamie Rivera",
      agree: "on",
    }),
  ).toBe(step("done"));
  expect((await get(server, step("done"))).status).toBe(200);
  expect((await get(server, `${step("agreement.pdf")}`)).status).toBe(200);
  // A mistyped page and a data request carry the token too.
  await get(server, `${base}/nope`);
  await get(server, `${step("done")}.data`);
  return token;
}

const signIn = signInDemoOperator;

function jsonLines(server: RunningServer) {
  return server
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("the built server, hardened", () => {
  let server: RunningServer;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector();
    server = await start({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        JOB_POLL_INTERVAL_MS: "50",
        BORROWER_RATE_LIMIT_PER_MINUTE: "10000",
      },
    });
  });
  afterAll(() => collector.close());

  it("never logs or traces a borrower's link token, nor an OAuth code or state", async () => {
    const token = await borrowerJourney(server);
    // An OAuth callback (the CRM sends the operator's browser back with code and state), without
    // and with a FlowOps session, and the sign-in page it leads to.
    const code = "oauthCodeSplxlOBeZQQYbYS6WxSbIA";
    const state = "oauthStateAf0ifjsldkjXyz123";
    const callback = `/api/v1/crm/fieldroutes/callback?code=${code}&state=${state}`;
    const anonymous = await get(server, callback);
    if (anonymous.location) await get(server, new URL(anonymous.location, server.url).pathname);
    const cookie = await signIn(server.url);
    await fetch(`${server.url}${callback}`, { headers: { cookie }, redirect: "manual" });

    // Spans are exported in batches (every 500 ms): wait for the journey's last request.
    const deadline = Date.now() + 15_000;
    while (!collector.received.join("").includes("/callback") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const spans = collector.received.join("\n");
    expect(spans).toContain("/apply/:token/details");
    expect(spans).toContain("/api/v1/crm/fieldroutes/callback");
    const output = server.output();
    expect(output).toContain('"path":"/apply/:token/sign"');
    for (const secret of [token, code, state]) {
      expect(output, "log output").not.toContain(secret);
      expect(spans, "exported spans").not.toContain(secret);
    }
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('route="/apply/:token/details"');
    expect(metrics).not.toContain(token);
  });

  it("answers cross-site posts with 403 (a page, or the API's JSON error) and logs no error", async () => {
    const { base, apiKey } = await offerFinancing(server, false);
    const targets = [
      { path: "/ops/login", kind: "page", body: "email=a%40b.c&password=x" },
      { path: `${base}/details`, kind: "page", body: "website=&ssn=123457800" },
      { path: `${base}?index`, kind: "page", body: "website=" },
      { path: "/api/v1/crm/offer-financing", kind: "api", body: "{}" },
      // Single-fetch data requests (a script's form post) go the same way.
      { path: "/ops/login.data", kind: "page", body: "email=a%40b.c&password=x" },
    ];
    const origins = [
      "https://evil.example",
      "null",
      "http://[",
      "not a url",
      `${server.url}.evil.example`,
    ];
    const before = jsonLines(server).length;
    for (const target of targets) {
      for (const origin of origins) {
        const response = await fetch(`${server.url}${target.path}`, {
          method: "POST",
          redirect: "manual",
          headers: {
            Origin: origin,
            "Content-Type":
              target.kind === "api" ? "application/json" : "application/x-www-form-urlencoded",
            Authorization: `Bearer ${apiKey}`,
          },
          body: target.body,
        });
        expect(response.status, `${target.path} with Origin ${origin}`).toBe(403);
        const type = response.headers.get("content-type") ?? "";
        if (target.kind === "api") {
          expect(type).toContain("application/json");
          const json = (await response.json()) as { error: { code: string; request_id: string } };
          expect(json.error.code).toBe("forbidden");
          expect(json.error.request_id).toMatch(/^req_/);
        } else {
          expect(type).toContain("text/html");
          expect(await response.text()).toContain("refused");
        }
      }
    }
    // X-Forwarded-Host is not believed without TRUST_PROXY: naming the attacker's host there
    // does not make the attacker's Origin ours.
    const spoofed = await fetch(`${server.url}/ops/login`, {
      method: "POST",
      redirect: "manual",
      headers: {
        Origin: "https://evil.example",
        "X-Forwarded-Host": "evil.example",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: "email=a%40b.c&password=x",
    });
    expect(spoofed.status).toBe(403);
    // Our own origin still works: a borrower post and an operator's sign-in.
    expect(await post(server, `${base}?index`, {})).toBe(`${base}/details`);
    await signIn(server.url);
    const spoofedButOurs = await fetch(`${server.url}/ops/login`, {
      method: "POST",
      redirect: "manual",
      headers: {
        Origin: server.url,
        "X-Forwarded-Host": "evil.example",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ email: demo.operatorEmail, password: demo.operatorPassword }),
    });
    expect(spoofedButOurs.status).toBe(302);

    const lines = jsonLines(server).slice(before);
    expect(lines.filter((l) => l.level === "error" || l.level === "fatal")).toEqual([]);
    expect(lines.some((l) => l.message === "cross-site request refused")).toBe(true);
  });

  it("sends each security header exactly once, on borrower, FlowOps, API and service responses", async () => {
    const { base } = await offerFinancing(server, false);
    const names = [
      "x-content-type-options",
      "referrer-policy",
      "x-frame-options",
      "cross-origin-opener-policy",
      "permissions-policy",
      "x-request-id",
    ];
    const cookie = await signIn(server.url);
    const responses = {
      borrower: await rawHeaders(`${server.url}${base}`),
      borrowerRedirect: await rawHeaders(`${server.url}${base}/details`),
      borrowerPdf: await rawHeaders(`${server.url}${base}/agreement.pdf`),
      opsLogin: await rawHeaders(`${server.url}/ops/login`),
      opsDashboard: await rawHeaders(`${server.url}/ops`, { headers: { cookie } }),
      api: await rawHeaders(`${server.url}/api/v1/openapi.json`),
      apiError: await rawHeaders(`${server.url}/api/v1/crm/applications/app_nope`),
      health: await rawHeaders(`${server.url}/health`),
      refused: await rawHeaders(`${server.url}/ops/login`, {
        method: "POST",
        headers: { origin: "https://evil.example" },
      }),
    };
    for (const [what, response] of Object.entries(responses)) {
      for (const name of names) {
        expect(response.headers.get(name)?.length, `${what}: ${name}`).toBe(1);
      }
      const csp = response.headers.get("content-security-policy");
      if (csp) expect(csp.length, `${what}: content-security-policy`).toBe(1);
    }
    expect(responses.borrower.headers.get("referrer-policy")).toEqual(["same-origin"]);
    expect(responses.opsLogin.headers.get("referrer-policy")).toEqual([
      "strict-origin-when-cross-origin",
    ]);
    expect(responses.borrower.headers.get("content-security-policy")?.length).toBe(1);
  });

  it("redirects after sign-in only under /ops, however next is encoded", async () => {
    const cookie = await signIn(server.url);
    for (const query of [
      "next=%2Fops%2F..%2F%5Cevil.example",
      "next=/ops/..//evil.example",
      "next=%2Fops%2F%2e%2e%2F%2e%2e%2F%2Fevil.example",
      "next=%09%2F%2Fevil.example",
      "next=%2F%0A%2Fevil.example",
      "next=https%3A%2F%2Fevil.example%2Fops",
      "next=javascript%3Aalert(1)",
    ]) {
      const response = await fetch(`${server.url}/ops/verify?${query}`, {
        headers: { cookie },
        redirect: "manual",
      });
      expect(response.status, query).toBe(302);
      const target = new URL(response.headers.get("location")!, `${server.url}/ops/verify`);
      expect(target.origin, query).toBe(server.url);
      expect(target.pathname, query).toBe("/ops");
    }
  });
});

describe("stopping", () => {
  it("exits on SIGTERM before the grace period although a keep-alive client holds connections, and finishes an in-flight request", async () => {
    const graceMs = 15_000;
    const server = await start({ env: { SHUTDOWN_GRACE_MS: String(graceMs) } });
    const apiKey = readFileSync(join(server.dataDir, "demo-api-key.txt"), "utf8").trim();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const call = (path: string, abortAfterMs?: number) =>
      new Promise<number>((resolve) => {
        const req = request(`${server.url}${path}`, { agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        });
        req.on("error", () => resolve(0));
        req.end();
        if (abortAfterMs !== undefined) setTimeout(() => req.destroy(), abortAfterMs);
      });
    // A burst over kept-alive connections.
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) => call(i % 2 ? "/ops/login" : "/health")),
    );
    // Downloads the client gives up on after their first chunk (a browser navigating away):
    // their responses never finish. (Counting on "finish" alone, shutdown used to wait out the
    // whole grace period for them.)
    const html = await (await fetch(`${server.url}/ops/login`)).text();
    const scripts = [...html.matchAll(/(?:src|href)="(\/build\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    await Promise.all(
      scripts.slice(0, 5).map(
        (path) =>
          new Promise<void>((resolve) => {
            const req = request(
              `${server.url}${path}`,
              { agent, headers: { "accept-encoding": "identity" } },
              (res) => {
                res.once("data", () => {
                  req.destroy();
                  resolve();
                });
                res.on("end", () => resolve());
              },
            );
            req.on("error", () => resolve());
            req.end();
          }),
      ),
    );
    expect(burst.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(agent.sockets).toBeDefined();

    // An in-flight request: its body is still on the way when SIGTERM arrives.
    const body = JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: `63${Date.now()}`,
      customer: { first_name: "Sam", last_name: "Stop", phone: "+15125550199" },
      job: { crm_job_id: `64${Date.now()}`, estimate_cents: 500000 },
      send_sms: false,
    });
    const slow = new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}/api/v1/crm/offer-financing`,
        {
          method: "POST",
          agent,
          headers: {
            Authorization: `Bearer ${apiKey}`,
            "Content-Type": "application/json",
            "Content-Length": String(Buffer.byteLength(body)),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 20));
      // The rest once the server has been told to stop.
      void server.exited;
      setTimeout(() => req.end(body.slice(20)), 500);
    });
    await new Promise((r) => setTimeout(r, 100));
    const signalled = Date.now();
    server.process.kill("SIGTERM");
    const exit = await Promise.race([
      server.exited,
      new Promise<"grace expired">((r) => setTimeout(() => r("grace expired"), graceMs)),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(graceMs);
    expect(await slow).toBe(201);
    agent.destroy();
  });

  it("refuses to start in production without METRICS_TOKEN, naming it", async () => {
    const server = await start({
      env: {
        FLOWPAY_ENV: "production",
        SESSION_SECRET: "s".repeat(40),
        ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 5).toString("base64")}`,
        APP_URL: "https://flowpay-test.invalid",
        SANDBOX_PARTNERS: "experian,plaid,persona,twilio,email,lender",
      },
      waitReady: false,
    });
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.output()).toMatch(/METRICS_TOKEN: required when FLOWPAY_ENV=production/);
  });
});
