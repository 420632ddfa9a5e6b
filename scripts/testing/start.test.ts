import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `npm start` is the README's first command (issue 20): it must serve working pages when the
 * shell has NODE_ENV=development (remix-serve used to stop with "Dev server origin not set") and
 * when the existing build was made in development mode (every page used to answer 500,
 * "jsxDEV is not a function", until build/ was deleted by hand).
 */
const root = resolve(import.meta.dirname, "../..");
// Inside the project so the build resolves node_modules; its own so no other build is touched.
const buildDir = `.builds/start-test-${process.pid}`;
const port = 4700 + (process.pid % 90) + 5;

afterAll(() => rmSync(join(root, buildDir), { recursive: true, force: true }));

async function startAndGet(path: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "flowpay-start-"));
  const child = spawn(join(root, "node_modules/.bin/tsx"), ["scripts/start.ts"], {
    cwd: root,
    detached: true, // its own process group: start.ts and the server it spawns stop together
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "development",
      FLOWPAY_ENV: "development",
      FLOWPAY_BUILD_DIR: buildDir,
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: `file:${join(dataDir, "flowpay.db")}`,
      LOG_LEVEL: "warn",
    },
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((done) => child.once("exit", done));
  try {
    // start.ts prints this line once /ready answers (or exits when the server does).
    await Promise.race([
      new Promise<void>((ready) => {
        const check = () =>
          output.includes("FlowPay is running at") ? ready() : setTimeout(check, 100);
        check();
      }),
      exited.then(() => {
        throw new Error(`npm start exited:\n${output}`);
      }),
    ]);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    const page = await fetch(`http://127.0.0.1:${port}${path}`);
    return { ready: ready.status, status: page.status, body: await page.text(), output };
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe("npm start with NODE_ENV=development in the shell", () => {
  it("builds in production mode and serves pages", { timeout: 180_000 }, async () => {
    const result = await startAndGet("/ops/login");
    expect(result.output).not.toContain("Dev server origin not set");
    expect(result.ready).toBe(200);
    expect(result.status).toBe(200);
    expect(result.body).toContain("Sign in");
    const stamp = JSON.parse(readFileSync(join(root, buildDir, "flowpay-build.json"), "utf8"));
    expect(stamp.nodeEnv).toBe("production");
  });

  it(
    "rebuilds a build made in development mode instead of serving it",
    { timeout: 180_000 },
    async () => {
      execFileSync(join(root, "node_modules/.bin/remix"), ["build"], {
        cwd: root,
        env: { ...process.env, NODE_ENV: "development", FLOWPAY_BUILD_DIR: buildDir },
        stdio: "ignore",
      });
      // The bundle really is a development one: served as it is, every page would answer 500.
      expect(readFileSync(join(root, buildDir, "index.js"), "utf8")).toContain(
        "react/jsx-dev-runtime",
      );

      const result = await startAndGet("/ops/login");
      expect(result.output).toContain("Building FlowPay");
      expect(result.status).toBe(200);
      expect(result.body).not.toContain("jsxDEV");
      expect(readFileSync(join(root, buildDir, "index.js"), "utf8")).not.toContain(
        "react/jsx-dev-runtime",
      );
      expect(existsSync(join(root, buildDir, "flowpay-build.json"))).toBe(true);
    },
  );
});
