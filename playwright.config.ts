import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import { denoServeArgs } from "./scripts/deno/command";

/**
 * End-to-end tests run against the *built* server (what `npm start` serves), each runtime with
 * its own fresh database. Debian's Chromium is used where it exists (no browser downloads here);
 * elsewhere Playwright's own browser.
 */
const chromium =
  process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
const nodePort = Number(process.env.E2E_PORT ?? 3311);
const denoPort = nodePort + 1;
const withDeno = process.env.E2E_DENO !== "0";
/** Each run's servers keep their databases here (E2E_DATA_DIR lets parallel runs stay apart). */
const dataRoot = (process.env.E2E_DATA_DIR ??= "e2e/.data");
const serverBuild = `${process.env.FLOWPAY_BUILD_DIR ?? "build"}/index.js`;

const serverEnv = (name: string) => ({
  FLOWPAY_ENV: "test",
  LOG_LEVEL: "warn",
  HOST: "127.0.0.1",
  DATA_DIR: `${dataRoot}/${name}`,
  DATABASE_URL: `file:${dataRoot}/${name}/flowpay.db`,
  // Every test browses from 127.0.0.1: the per-address limit would throttle the suite itself.
  BORROWER_RATE_LIMIT_PER_MINUTE: "100000",
  CRM_RATE_LIMIT_PER_MINUTE: "100000",
  CRM_READ_RATE_LIMIT_PER_MINUTE: "100000",
  // e2e/merchant-journey.spec.ts registers a webhook endpoint on a receiver at 127.0.0.1 (ADR 064).
  WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true",
});

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  // One retry in CI only: a flaky test is then reported as "flaky" (and must be investigated)
  // instead of sinking the whole run.
  retries: process.env.CI ? 1 : 0,
  timeout: 45_000,
  // Two cores run the server, its job runner and Chromium together: give pages a little slack.
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? "list" : "line",
  use: {
    trace: "retain-on-failure",
    launchOptions: chromium
      ? {
          executablePath: chromium,
          args: [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        }
      : {},
  },
  projects: [
    { name: "node", use: { ...devices["Pixel 7"], baseURL: `http://127.0.0.1:${nodePort}` } },
    ...(withDeno
      ? [
          {
            name: "deno",
            use: { ...devices["Pixel 7"], baseURL: `http://127.0.0.1:${denoPort}` },
          },
        ]
      : []),
  ],
  webServer: [
    {
      command: `rm -rf ${dataRoot}/node && node_modules/.bin/remix-serve ${serverBuild}`,
      url: `http://127.0.0.1:${nodePort}/ready`,
      env: { ...serverEnv("node"), PORT: String(nodePort) },
      reuseExistingServer: false,
      stdout: process.env.E2E_SERVER_LOGS ? "pipe" : "ignore",
      stderr: "pipe",
      timeout: 60_000,
    },
    ...(withDeno
      ? [
          {
            // Deno's own server (Deno.serve + Remix's web-standard handler, ADR 045), narrow permissions.
            command: `rm -rf ${dataRoot}/deno && mkdir -p ${dataRoot}/deno && node_modules/.bin/deno ${denoServeArgs({ dataDir: `${dataRoot}/deno`, host: "127.0.0.1", serverBuild }).join(" ")}`,
            url: `http://127.0.0.1:${denoPort}/ready`,
            env: { ...serverEnv("deno"), PORT: String(denoPort) },
            reuseExistingServer: false,
            timeout: 90_000,
          },
        ]
      : []),
  ],
});
