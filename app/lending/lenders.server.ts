/**
 * The process's lenders, from configuration (docs/sandbox/lender.md):
 *
 * - `LENDERS`: a JSON array of `{ name, baseUrl, apiKey, webhookSecret, timeoutMs? }`;
 * - `LENDER_MOCK_URL` (+ `LENDER_MOCK_API_KEY`, `LENDER_MOCK_WEBHOOK_SECRET`: outside production
 *   they default to the sandbox's): the "mock" lender at a URL (the standalone mock lender, or a
 *   fake in tests);
 * - neither, outside production: the embedded mock lender, started once per process on
 *   127.0.0.1 with its state in the database (mock_lender_records, so that every process on one
 *   database serves the same loans — ADR 025), calling back
 *   `${APP_URL}/api/v1/webhooks/lender/mock` MOCK_LENDER_FUNDING_DELAY_MS after each
 *   disbursement request — so the demo reaches "funded" on its own.
 *
 * In production nothing is implied: a merchant whose lender is not configured gets jobs that
 * fail (and are retried, then dead-lettered) saying so.
 *
 * Each lender also names the creditor (`creditor`: legal name, address, supervising agency —
 * app/lending/creditors.ts); `LENDER_MOCK_CREDITOR` (JSON) does it for LENDER_MOCK_URL. In
 * production a lender without one stops the process at boot (ADR 033); elsewhere the sandbox's
 * fictional lender stands in.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  createLenderRegistry,
  MOCK_LENDER_SANDBOX_API_KEY,
  MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
  startEmbeddedMockLender,
  stopEmbeddedMockLender,
  type LenderConfig,
  type LenderRegistry,
} from "~/adapters/lender/index";
import { appUrl, ConfigError, getEnv, isProduction, namedSandbox } from "~/app/config/env.server";
import { logger } from "~/app/observability/logger.server";
import { getDatabase } from "~/app/db.server";
import { databaseMockLenderStore } from "./mock-lender-store.server";
import { creditorSchema, parseCreditor, sandboxCreditor, type Creditor } from "./creditors";
import { processSlot } from "~/app/singleton.server";

const lenderListSchema = z.array(
  z.object({
    name: z.string().min(1),
    baseUrl: z.url(),
    apiKey: z.string().min(1),
    webhookSecret: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    timeoutMs: z.number().int().positive().optional(),
    creditor: creditorSchema.optional(),
  }),
);

function creditorIssue(name: string, detail: string): ConfigError {
  return new ConfigError(
    `Invalid configuration:\n  lender ${JSON.stringify(name)}: ${detail} (the creditor's legalName, address and supervisingAgency { name, address } are required in production)`,
  );
}

/** LENDER_MOCK_CREDITOR, parsed (undefined when unset). */
function mockCreditor(): Creditor | undefined {
  const raw = getEnv().LENDER_MOCK_CREDITOR;
  if (!raw) return undefined;
  try {
    return parseCreditor(JSON.parse(raw));
  } catch {
    throw creditorIssue("mock", "LENDER_MOCK_CREDITOR is not a valid creditor (JSON)");
  }
}

/**
 * The creditor of each configured lender, by name. Throws ConfigError in production for a
 * lender without one (boot calls this through configuredLenders: the process does not start).
 */
export function configuredCreditors(): Map<string, Creditor> {
  const env = getEnv();
  const creditors = new Map<string, Creditor>();
  if (env.LENDERS) {
    const parsed = lenderListSchema.safeParse(JSON.parse(env.LENDERS));
    for (const lender of parsed.success ? parsed.data : []) {
      if (lender.creditor) creditors.set(lender.name, parseCreditor(lender.creditor));
      else if (isProduction()) throw creditorIssue(lender.name, "no creditor");
    }
  }
  if (env.LENDER_MOCK_URL) {
    const creditor = mockCreditor();
    if (creditor) creditors.set("mock", creditor);
    else if (isProduction()) throw creditorIssue("mock", "LENDER_MOCK_CREDITOR is not set");
  }
  return creditors;
}

/**
 * The creditor named on the disclosure, agreement and notices of an application whose loan
 * goes to `lenderName`. Outside production an unconfigured identity is the sandbox lender's;
 * in production boot has already refused a lender without one, and an unknown name throws.
 */
export function creditorFor(lenderName: string): Creditor {
  const creditor = configuredCreditors().get(lenderName);
  if (creditor) return creditor;
  if (!isProduction()) return sandboxCreditor;
  throw new ConfigError(`No creditor is configured for lender ${JSON.stringify(lenderName)}`);
}

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
    configuredCreditors();
    for (const { creditor: _creditor, ...lender } of result.data) {
      configs.push({ timeoutMs: env.LENDER_TIMEOUT_MS, ...lender });
    }
  }
  if (env.LENDER_MOCK_URL) {
    // Outside production the key and secret default to the standalone mock lender's sandbox
    // credentials (the README's defaults); in production they must be set (ADR 029: a sandbox's
    // public secrets are never accepted there).
    const apiKey =
      env.LENDER_MOCK_API_KEY ?? (isProduction() ? undefined : MOCK_LENDER_SANDBOX_API_KEY);
    const webhookSecret =
      env.LENDER_MOCK_WEBHOOK_SECRET ??
      (isProduction() ? undefined : MOCK_LENDER_SANDBOX_WEBHOOK_SECRET);
    if (!apiKey || !webhookSecret) {
      throw new ConfigError(
        "Invalid configuration:\n  LENDER_MOCK_URL: in production needs LENDER_MOCK_API_KEY and LENDER_MOCK_WEBHOOK_SECRET",
      );
    }
    configuredCreditors();
    configs.push({
      name: "mock",
      baseUrl: env.LENDER_MOCK_URL,
      apiKey,
      webhookSecret,
      timeoutMs: env.LENDER_TIMEOUT_MS,
    });
  }
  return configs;
}

/**
 * Whether this process runs the embedded mock lender: outside production when no "mock" lender
 * is configured; in production only when an operator named it (SANDBOX_PARTNERS=lender, ADR 029).
 */
export function usesEmbeddedMockLender(): boolean {
  if (configuredLenders().some((lender) => lender.name === "mock")) return false;
  return !isProduction() || namedSandbox("lender");
}

async function buildRegistry(): Promise<LenderRegistry> {
  const env = getEnv();
  const configs = configuredLenders();
  if (usesEmbeddedMockLender()) {
    // In production the public sandbox secrets are never accepted (ADR 029): the embedded mock
    // gets a random per-process key and webhook secret instead.
    const apiKey = isProduction() ? randomBytes(24).toString("hex") : MOCK_LENDER_SANDBOX_API_KEY;
    const webhookSecret = isProduction()
      ? randomBytes(32).toString("hex")
      : MOCK_LENDER_SANDBOX_WEBHOOK_SECRET;
    const mock = await startEmbeddedMockLender({
      apiKey,
      webhookSecret,
      webhookUrl: `${appUrl().replace(/\/$/, "")}/api/v1/webhooks/lender/mock`,
      fundingDelayMs: env.MOCK_LENDER_FUNDING_DELAY_MS,
      host: "127.0.0.1",
      port: 0,
      // In the database, not a file per process: every process on it sees every loan (ADR 025).
      store: databaseMockLenderStore(await getDatabase()),
    });
    logger.info({ url: mock.url }, "embedded mock lender started (sandbox)");
    configs.push({
      name: "mock",
      baseUrl: mock.url,
      apiKey,
      webhookSecret,
      timeoutMs: env.LENDER_TIMEOUT_MS,
    });
  }
  if (configs.length === 0 && isProduction()) {
    logger.error("no lender is configured (LENDERS or LENDER_MOCK_URL): loans cannot be created");
  }
  return createLenderRegistry(configs);
}

const lendersSlot = processSlot<Promise<LenderRegistry>>("lenders");

/** The process's lender registry (built once; the embedded mock lender starts with it). */
export function getLenders(): Promise<LenderRegistry> {
  const existing = lendersSlot.get();
  if (existing) return existing;
  const built = buildRegistry();
  lendersSlot.set(built);
  // A failed start (port taken, bad config) is tried again on the next use.
  built.catch(() => {
    if (lendersSlot.get() === built) lendersSlot.clear();
  });
  return built;
}

/** Shutdown (and tests that change the configuration): forget the registry, stop the embedded mock. */
export async function stopLenders(): Promise<void> {
  lendersSlot.clear();
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
