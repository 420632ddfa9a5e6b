import { dirname } from "node:path";
import { databaseFilePath } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { startJobRunner } from "~/jobs/start.server";
import {
  assertPartnersConfigured,
  ConfigError,
  describePartnerModes,
  getEnv,
  seedDemo as shouldSeedDemo,
  type Env,
  type PartnerMode,
  type SandboxablePartner,
} from "./config/env.server";
import { getSecrets } from "./config/secrets.server";
import { bootCrmSync } from "./crm-sync/boot.server";
import { oauthProviders } from "./crm-sync/oauth-providers.server";
import { getDatabase } from "./db.server";
import { ensureDecisioningDefaults } from "./decisioning/seed.server";
import { demo, seedDemo } from "./demo/seed.server";
import { bootLending, configuredLenders, stopLenders } from "./lending/lenders.server";
import { scheduleReconciliation } from "./lending/reconciliation.server";
import {
  closeIdleConnections,
  installHttpHook,
  inFlightRequests,
} from "./observability/http-hook.server";
import { watchDiskSpace } from "./observability/host-metrics.server";
import { logger, scrubProcessOutput } from "./observability/logger.server";
import { exportReadinessMetrics } from "./observability/readiness-metrics.server";
import { startTracing } from "./observability/tracing.server";
import { registerReadinessCheck } from "./readiness.server";
import { describeStartupFailure } from "./startup-failure.server";
import { singleton } from "~/app/singleton.server";

type BootState = { startedAt: Date };

/**
 * Runs once per process (never twice across dev rebuilds): validate configuration, wire
 * observability, migrate the database (and seed the demo when it is new), install the
 * graceful-stop handlers. The server build awaits it before remix-serve starts listening.
 */
export function boot(): Promise<BootState> {
  return singleton<Promise<BootState>>("boot", () => bootOnce().catch(startupFailure));
}

/**
 * A start the machine refuses (a read-only file system or database, an unwritable DATA_DIR, a
 * full disk): one line saying what and what to do, exit 1 — not a stack trace (issue 13, item 10).
 */
function startupFailure(error: unknown): never {
  const env = (() => {
    try {
      return getEnv();
    } catch {
      return null;
    }
  })();
  const line = env ? describeStartupFailure(error, env) : null;
  if (!line) throw error;
  console.error(`FlowPay cannot start: ${line}`);
  process.exit(1);
}

async function bootOnce(): Promise<BootState> {
  let env;
  let partnerModes: Record<SandboxablePartner, PartnerMode>;
  try {
    env = getEnv();
    partnerModes = assertPartnersConfigured(env);
    getSecrets();
    configuredLenders();
    oauthProviders();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`FlowPay cannot start. ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  quietRemixServeAccessLog();
  scrubProcessOutput();
  reportPartnerModes(env, partnerModes);
  installHttpHook();
  await startTracing(env.OTEL_EXPORTER_OTLP_ENDPOINT, env.OTEL_SERVICE_NAME);
  const database = await getDatabase();
  const { applied } = await migrateDatabase(database);
  if (applied > 0) logger.info({ applied }, "database migrated");
  watchDiskSpace("data", env.DATA_DIR);
  exportReadinessMetrics();
  if (env.DATABASE_URL.startsWith("file:"))
    watchDiskSpace("database", dirname(databaseFilePath(env.DATABASE_URL)));
  const decisioning = await ensureDecisioningDefaults(database);
  if (decisioning.ruleSet || decisioning.pricing) {
    logger.info(decisioning, "decisioning defaults published");
  }
  if (shouldSeedDemo()) {
    const result = await seedDemo(database, env.DATA_DIR);
    if (result.seeded) logger.info({ merchant: "acme-pest-control" }, "demo data seeded");
  }
  await bootLending();
  onShutdown(stopLenders);
  await bootCrmSync(database, {
    demoMerchantSlug: shouldSeedDemo() ? demo.merchantSlug : undefined,
  });
  // The daily settlement reconciliation: one pending run at any time (ADR 056).
  await scheduleReconciliation(database, env.RECONCILIATION_HOUR_UTC, "dedupe");
  if (env.JOBS_ENABLED) {
    const runner = startJobRunner(database, env);
    registerReadinessCheck("job_runner", async () => runner.readiness());
    onShutdown(() => runner.stop({ graceMs: env.SHUTDOWN_GRACE_MS }));
  }
  installShutdown(env.SHUTDOWN_GRACE_MS);
  return { startedAt: new Date() };
}

type StopHook = () => Promise<void>;
const stopHooks: StopHook[] = singleton<StopHook[]>("stopHooks", () => []);

/** Subsystems (the job runner) register what to do on SIGTERM/SIGINT. */
export function onShutdown(hook: StopHook) {
  stopHooks.push(hook);
}

/**
 * remix-serve closes its HTTP server on SIGTERM/SIGINT (no new connections). We close idle
 * keep-alive connections and make every further response close its own (a client holding
 * connections open must not hold the process), stop our own subsystems, wait for in-flight
 * requests up to the grace period, then exit.
 */
function installShutdown(graceMs: number) {
  const stop = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    const deadline = Date.now() + graceMs;
    closeIdleConnections();
    await Promise.allSettled(stopHooks.map((hook) => hook()));
    while (inFlightRequests() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      closeIdleConnections();
    }
    (await getDatabase()).close();
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => void stop(signal));
}

/**
 * remix-serve always installs morgan's plain-text access log. Our JSON request log (one line
 * per request, with request id, trace id, route, status and duration) replaces it, so those
 * plain lines are dropped to keep stdout machine-readable.
 */
function quietRemixServeAccessLog() {
  const morganLine = /^[A-Z]+ \S+ \d{3} \S* - [\d.]+ ms\n$/;
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === "string" && morganLine.test(chunk)) return true;
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
}

/**
 * The startup log and /ready say which partners are live and which are sandboxes (ADR 029):
 * in production a sandbox is only ever there because an operator named it in SANDBOX_PARTNERS,
 * and that must be visible to whoever looks at the service.
 */
function reportPartnerModes(env: Env, modes: Record<SandboxablePartner, PartnerMode>) {
  const summary = describePartnerModes(modes);
  const sandboxes = Object.entries(modes)
    .filter(([, mode]) => mode === "sandbox")
    .map(([name]) => name);
  if (env.FLOWPAY_ENV === "production" && sandboxes.length > 0) {
    logger.warn(
      { partners: modes, sandboxPartners: sandboxes },
      `production with sandbox partners (SANDBOX_PARTNERS): ${sandboxes.join(", ")}`,
    );
  } else {
    logger.info({ partners: modes }, `partners: ${summary}`);
  }
  registerReadinessCheck("partners", async () => ({ ok: true, detail: summary }));
}
