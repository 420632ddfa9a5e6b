/**
 * The process's lenders, from configuration (docs/sandbox/lender.md):
 *
 * - `LENDERS`: a JSON array of `{ name, baseUrl, apiKey, webhookSecret, timeoutMs? }`;
 * - `LENDER_MOCK_URL` + `LENDER_MOCK_API_KEY` + `LENDER_MOCK_WEBHOOK_SECRET`: the "mock" lender
 *   at a URL (the standalone mock lender, or a fake in tests);
 * - neither, outside production: the embedded mock lender, started once per process on
 *   127.0.0.1 with its state in `${DATA_DIR}/mock-lender.json`, calling back
 *   `${APP_URL}/api/v1/webhooks/lender/mock` MOCK_LENDER_FUNDING_DELAY_MS after each
 *   disbursement request — so the demo reaches "funded" on its own.
 *
 * In production nothing is implied: a merchant whose lender is not configured gets jobs that
 * fail (and are retried, then dead-lettered) saying so.
 */
import { join } from "node:path";
import { z } from "zod";
import {
  createLenderRegistry,
  MOCK_LENDER_SANDBOX_API_KEY,
  MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
  startEmbeddedMockLender,
  stopEmbeddedMockLender,
  type LenderConfig,
  type LenderRegistry,
} from "../../adapters/lender/index";
import { appUrl, ConfigError, getEnv, isProduction } from "~/config/env.server";
import { logger } from "~/observability/logger.server";

const lenderListSchema = z.array(
  z.object({
    name: z.string().min(1),
    baseUrl: z.url(),
    apiKey: z.string().min(1),
    webhookSecret: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    timeoutMs: z.number().int().positive().optional(),
  }),
);

/** The lenders configured by LENDERS and LENDER_MOCK_* (throws ConfigError on a bad value). */
export function configuredLenders(): LenderConfig[] {
  const env = getEnv();
  const configs: LenderConfig[] = [];
  if (env.LENDERS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.LENDERS);
    } catch {
      throw new ConfigError("Invalid configuration:\n  LENDERS: must be a JSON array");
    }
    const result = lenderListSchema.safeParse(parsed);
    if (!result.success) {
      const fields = result.error.issues.map((issue) => issue.path.join(".") || "(value)");
      throw new ConfigError(
        `Invalid configuration:\n  LENDERS: bad or missing ${[...new Set(fields)].join(", ")}`,
      );
    }
    for (const lender of result.data) {
      configs.push({ timeoutMs: env.LENDER_TIMEOUT_MS, ...lender });
    }
  }
  if (env.LENDER_MOCK_URL) {
    if (!env.LENDER_MOCK_API_KEY || !env.LENDER_MOCK_WEBHOOK_SECRET) {
      throw new ConfigError(
        "Invalid configuration:\n  LENDER_MOCK_URL: needs LENDER_MOCK_API_KEY and LENDER_MOCK_WEBHOOK_SECRET",
      );
    }
    configs.push({
      name: "mock",
      baseUrl: env.LENDER_MOCK_URL,
      apiKey: env.LENDER_MOCK_API_KEY,
      webhookSecret: env.LENDER_MOCK_WEBHOOK_SECRET,
      timeoutMs: env.LENDER_TIMEOUT_MS,
    });
  }
  return configs;
}

/** Whether this process runs the embedded mock lender (demo and development only). */
export function usesEmbeddedMockLender(): boolean {
  return !isProduction() && !configuredLenders().some((lender) => lender.name === "mock");
}

async function buildRegistry(): Promise<LenderRegistry> {
  const env = getEnv();
  const configs = configuredLenders();
  if (usesEmbeddedMockLender()) {
    const mock = await startEmbeddedMockLender({
      apiKey: MOCK_LENDER_SANDBOX_API_KEY,
      webhookSecret: MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
      webhookUrl: `${appUrl().replace(/\/$/, "")}/api/v1/webhooks/lender/mock`,
      fundingDelayMs: env.MOCK_LENDER_FUNDING_DELAY_MS,
      host: "127.0.0.1",
      port: 0,
      stateFile: join(env.DATA_DIR, "mock-lender.json"),
    });
    logger.info({ url: mock.url }, "embedded mock lender started (sandbox)");
    configs.push({
      name: "mock",
      baseUrl: mock.url,
      apiKey: MOCK_LENDER_SANDBOX_API_KEY,
      webhookSecret: MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
      timeoutMs: env.LENDER_TIMEOUT_MS,
    });
  }
  if (configs.length === 0 && isProduction()) {
    logger.error("no lender is configured (LENDERS or LENDER_MOCK_URL): loans cannot be created");
  }
  return createLenderRegistry(configs);
}

const globalForLenders = globalThis as unknown as { __flowpayLenders?: Promise<LenderRegistry> };

/** The process's lender registry (built once; the embedded mock lender starts with it). */
export function getLenders(): Promise<LenderRegistry> {
  const existing = globalForLenders.__flowpayLenders;
  if (existing) return existing;
  const built = buildRegistry();
  globalForLenders.__flowpayLenders = built;
  // A failed start (port taken, bad config) is tried again on the next use.
  built.catch(() => {
    if (globalForLenders.__flowpayLenders === built) delete globalForLenders.__flowpayLenders;
  });
  return built;
}

/** Shutdown (and tests that change the configuration): forget the registry, stop the embedded mock. */
export async function stopLenders(): Promise<void> {
  delete globalForLenders.__flowpayLenders;
  await stopEmbeddedMockLender();
}

/** At boot: start the embedded mock lender now (it delivers events saved before a restart). */
export async function bootLending(): Promise<void> {
  try {
    const lenders = await getLenders();
    logger.info({ lenders: lenders.names() }, "lenders ready");
  } catch (error) {
    logger.error({ err: error }, "lenders could not be started; loan jobs will retry");
  }
}
