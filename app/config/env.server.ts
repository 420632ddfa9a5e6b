import { z } from "zod";

/**
 * Every environment variable FlowPay reads, validated once at boot.
 * Defaults make the embedded demo work with no configuration; production
 * refuses to start without the secrets it needs (see `productionSecrets`).
 * The README's configuration table mirrors this schema.
 */
const booleanish = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const keyList = z
  .string()
  .transform((raw, ctx) => parseEncryptionKeys(raw, ctx))
  .optional();

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /**
   * How strict FlowPay is (secrets required, Secure cookies, HSTS, no demo seed). remix-serve
   * forces NODE_ENV=production for React's sake, so FlowPay has its own switch: unset, it
   * follows NODE_ENV; `npm start` (the local demo) sets it to "development".
   */
  FLOWPAY_ENV: z.enum(["development", "production", "test"]).optional(),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  APP_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|libsql:|https?:|wss?:)/, "must start with file:, libsql:, http(s): or ws(s):")
    .default("file:./data/flowpay.db"),
  DATABASE_AUTH_TOKEN: z.string().min(1).optional(),
  /** Where an embedded database runs the CRM intake's write programs (ADR 019). */
  DB_WRITER: z.enum(["thread", "inline"]).default("thread"),
  /** Experian credit bureau: live when EXPERIAN_BASE_URL is set, the sandbox otherwise (never implicitly in production). */
  EXPERIAN_MODE: z.enum(["sandbox", "live"]).optional(),
  EXPERIAN_BASE_URL: z.url().optional(),
  EXPERIAN_TOKEN: z.string().min(1).optional(),
  EXPERIAN_COMPANY_ID: z.string().min(1).optional(),
  EXPERIAN_SUBSCRIBER_CODE: z.string().min(1).optional(),
  EXPERIAN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(8_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  ENCRYPTION_KEYS: keyList,
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  COOKIE_SECURE: booleanish.optional(),
  SEED_DEMO: booleanish.optional(),
  TRUST_PROXY: booleanish.default(false),
  /** Requests a minute per CRM API key and per client IP (docs/product/api.md: 100). */
  CRM_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Twilio (live SMS) — sandbox when unset. TWILIO_API_BASE_URL points the SDK at a fake (tests). */
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[\da-f]{32}$/i, "must look like AC + 32 hex")
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16).optional(),
  TWILIO_FROM: z
    .string()
    .regex(/^\+\d{8,15}$/, "must be an E.164 number")
    .optional(),
  TWILIO_MESSAGING_SERVICE_SID: z
    .string()
    .regex(/^MG[\da-f]{32}$/i)
    .optional(),
  TWILIO_API_BASE_URL: z.url().optional(),
  /** Plaid (live bank link) — sandbox when unset. PLAID_BASE_URL points the SDK at a fake (tests). */
  PLAID_CLIENT_ID: z.string().min(1).optional(),
  PLAID_SECRET: z.string().min(1).optional(),
  PLAID_ENV: z.enum(["sandbox", "development", "production"]).default("sandbox"),
  PLAID_BASE_URL: z.url().optional(),
  /** Persona (live identity checks) — sandbox when unset; secrets comma-separated during rotation. */
  PERSONA_API_KEY: z.string().min(1).optional(),
  PERSONA_TEMPLATE_ID: z.string().min(1).optional(),
  PERSONA_WEBHOOK_SECRETS: z.string().min(1).optional(),
  PERSONA_BASE_URL: z.url().optional(),
  PERSONA_HOSTED_BASE_URL: z.url().optional(),
  /** E-mail: SMTP when set (smtp[s]://user:pass@host:port), the sandbox otherwise. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")
    .optional(),
  EMAIL_FROM: z.string().min(3).default("FlowPay <no-reply@flowpay.example>"),
  /** Borrower form posts a minute per client address (honeypot and a per-link limit apply too). */
  BORROWER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
  /** Borrower link lifetime (docs/product/api.md: 24 hours). */
  LINK_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .default(24),
  DATA_DIR: z.string().min(1).default("./data"),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default("flowpay"),
  /** The in-process job runner (jobs/): off for processes that must not run jobs. */
  JOBS_ENABLED: booleanish.default(true),
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  JOB_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** How long a claimed job stays locked; must exceed every job kind's timeout. */
  JOB_LEASE_MS: z.coerce.number().int().min(5000).max(86_400_000).default(300_000),
  /** Most jobs one claim statement takes. */
  JOB_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  JOB_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(7),
  /**
   * Lenders (docs/sandbox/lender.md). LENDERS: a JSON array of { name, baseUrl, apiKey,
   * webhookSecret (string or list), timeoutMs? }. LENDER_MOCK_*: the "mock" lender at a URL (the
   * standalone mock, a fake in tests). With neither, outside production, the embedded mock lender
   * is started in-process (app/lending/lenders.server.ts).
   */
  LENDERS: z.string().min(2).optional(),
  LENDER_MOCK_URL: z.url().optional(),
  LENDER_MOCK_API_KEY: z.string().min(1).optional(),
  LENDER_MOCK_WEBHOOK_SECRET: z.string().min(1).optional(),
  LENDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** The embedded mock lender: from a disbursement request to its signed loan.funded webhook. */
  MOCK_LENDER_FUNDING_DELAY_MS: z.coerce.number().int().min(0).max(86_400_000).default(5_000),
  /** FieldRoutes write-back (app/crm-sync/). FIELDROUTES_BASE_URL replaces https://{subdomain}.fieldroutes.com (local fakes, tests). */
  FIELDROUTES_BASE_URL: z.url().optional(),
  FIELDROUTES_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  FIELDROUTES_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  FIELDROUTES_HALF_OPEN_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  /** How often FlowPay re-reads FieldRoutes appointments (FieldRoutes cannot push). */
  CRM_POLL_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(900_000),
  /** OAuth CRMs: JSON array of { crm, authorizeUrl, tokenUrl, clientId, clientSecret, scopes?, clientAuth? }. */
  CRM_OAUTH_PROVIDERS: z.string().min(2).optional(),
});

export type EncryptionKey = { id: string; key: Buffer };
export type Env = z.infer<typeof envSchema>;

/** `ENCRYPTION_KEYS="k2:<base64 32 bytes>,k1:<base64 32 bytes>"` — the first key encrypts, all decrypt. */
function parseEncryptionKeys(raw: string, ctx: z.RefinementCtx): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  for (const part of raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [id, material] = part.split(":");
    const key = material ? Buffer.from(material, "base64") : Buffer.alloc(0);
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
      ctx.addIssue({
        code: "custom",
        message: "each entry must be <id>:<base64 of 32 random bytes> (openssl rand -base64 32)",
      });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: "custom", message: "must name at least one key" });
    return z.NEVER;
  }
  return keys;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Secrets that have no safe default in production. */
const productionSecrets = ["SESSION_SECRET", "ENCRYPTION_KEYS"] as const;

/** Parses an environment; throws ConfigError whose message names each bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  ${issue.path.join(".") || "(environment)"}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = result.data;
  env.FLOWPAY_ENV ??= env.NODE_ENV;
  if (env.FLOWPAY_ENV === "production") {
    const missing = productionSecrets.filter((name) => env[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        `Invalid configuration:\n${missing.map((n) => `  ${n}: required when FLOWPAY_ENV=production`).join("\n")}`,
      );
    }
  }
  return env;
}

let cached: Env | undefined;

/** The process's validated configuration (parsed on first use). */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests change process.env between cases; they call this to re-read it. */
export function resetEnvCache() {
  cached = undefined;
}

export const isProduction = () => getEnv().FLOWPAY_ENV === "production";
export const cookieSecure = () => getEnv().COOKIE_SECURE ?? isProduction();
export const seedDemo = () => getEnv().SEED_DEMO ?? !isProduction();
export const appUrl = () => getEnv().APP_URL ?? `http://${getEnv().HOST}:${getEnv().PORT}`;
