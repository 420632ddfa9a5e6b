import { z } from "zod";
import { publicSandboxSecrets } from "~/adapters/shared/sandbox-secrets";

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
  /** How long a write waits for another process's write lock before it is refused (503). */
  DB_BUSY_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(5_000),
  /** Writer thread restarts in a row before the process gives up and exits non-zero (ADR 024). */
  DB_WRITER_MAX_RESTARTS: z.coerce.number().int().min(0).max(100).default(5),
  /** Reader threads for the heavy pages' reads on an embedded database; 0: this thread (ADR 083). */
  DB_READERS: z.coerce.number().int().min(0).max(16).default(2),
  /** /ready's write probe (BEGIN IMMEDIATE + COMMIT through the write queue) must finish within. */
  READY_WRITE_PROBE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  /** /ready fails when the database's file system has less free space (MB; 0 turns it off). */
  READY_MIN_FREE_DISK_MB: z.coerce.number().int().min(0).default(100),
  /**
   * Partners that run as their sandbox, by name (docs/partners/README.md, ADR 029). Outside
   * production an unconfigured partner is a sandbox anyway; in production a partner is live
   * unless it is named here, and the start fails if a live one is not configured.
   */
  SANDBOX_PARTNERS: z
    .string()
    .transform((raw, ctx) => parseSandboxPartners(raw, ctx))
    .optional(),
  /** Experian credit bureau: live when EXPERIAN_BASE_URL is set, the sandbox otherwise (never implicitly in production). */
  EXPERIAN_MODE: z.enum(["sandbox", "live"]).optional(),
  EXPERIAN_BASE_URL: z.url().optional(),
  /**
   * Experian issues OAuth2 access tokens from {base}/oauth2/v1/token (password grant: client
   * id/secret + user/password); the adapter fetches and refreshes them (ADR 030). A fixed
   * EXPERIAN_TOKEN is refused (retiredVariables): it expires and every pull would then fail.
   */
  EXPERIAN_CLIENT_ID: z.string().min(1).optional(),
  EXPERIAN_CLIENT_SECRET: z.string().min(1).optional(),
  EXPERIAN_USERNAME: z.string().min(1).optional(),
  EXPERIAN_PASSWORD: z.string().min(1).optional(),
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
  /**
   * Outbound webhooks (ADR 063) may go to http://127.0.0.1 / [::1] — a receiver on this machine
   * (development, tests, the sandbox demo). Ignored when FLOWPAY_ENV=production: https and
   * public addresses only there.
   */
  WEBHOOKS_ALLOW_LOOPBACK_HTTP: booleanish.default(false),
  /** Requests a minute per CRM API key and per client IP (docs/product/api.md: 100). */
  CRM_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** CRM API reads (GET) a minute per key and per client IP: their own, larger budget (ADR 028). */
  CRM_READ_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
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
  /** Plaid retired its Development environment in June 2024 (the SDK's PlaidEnvironments lists sandbox and production only). */
  PLAID_ENV: z
    .enum(["sandbox", "production"], {
      message: "must be sandbox or production (Plaid retired the development environment in 2024)",
    })
    .default("sandbox"),
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
  /** The review queue's SLA: hours from entering the queue to a resolution (ADR 075). */
  REVIEW_SLA_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
  /** The SLA of a high-priority review (fraud signals, identity): shorter (ADR 075). */
  REVIEW_SLA_HIGH_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(4),
  /**
   * How long a review waits for the borrower's answer to an underwriter's information request
   * before it returns to the queue unanswered (ADR 076); also the request link's lifetime.
   */
  INFO_REQUEST_TIMEOUT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
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
   * Retention (app/retention/, ADR 042): how long operational records are kept, pruned by the job
   * runner's maintenance round every RETENTION_INTERVAL_MINUTES. 0 days keeps a kind forever.
   * Decision evidence is never pruned.
   */
  RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  RETENTION_CRM_SYNC_LOG_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  RETENTION_LENDER_CALL_DAYS: z.coerce.number().int().min(0).max(3650).default(180),
  /** Never below the 24 h in which a replay is answered (docs/product/api.md). */
  RETENTION_IDEMPOTENCY_HOURS: z.coerce.number().int().min(24).max(87_600).default(48),
  RETENTION_SESSION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  RETENTION_OAUTH_STATE_HOURS: z.coerce.number().int().min(0).max(87_600).default(24),
  RETENTION_LINK_TOKEN_DAYS: z.coerce.number().int().min(0).max(3650).default(7),
  /** Settled outbound webhook deliveries and their events (ADR 063). */
  RETENTION_WEBHOOK_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /**
   * Text throughput (jobs/throughput.ts): the Twilio sender type sets how many texts a minute
   * the send-sms jobs may go at, across all processes; SMS_RATE_PER_SECOND overrides it.
   */
  SMS_SENDER_TYPE: z
    .enum(["long_code", "toll_free", "short_code", "messaging_service"])
    .default("long_code"),
  SMS_SENDER_COUNT: z.coerce.number().int().min(1).max(10_000).default(1),
  SMS_RATE_PER_SECOND: z.coerce.number().positive().max(10_000).optional(),
  CRM_SYNC_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
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
  /** JSON { legalName, address, phone?, supervisingAgency: { name, address, phone? } } (ADR 033). */
  LENDER_MOCK_CREDITOR: z.string().min(2).optional(),
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
  /** The UTC hour at which each day's reconciliation of the day before runs (ADR 056). */
  RECONCILIATION_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(6),
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

/** The partners SANDBOX_PARTNERS can name (FieldRoutes is per merchant, chosen in FlowOps). */
export const sandboxablePartners = [
  "experian",
  "plaid",
  "persona",
  "twilio",
  "email",
  "lender",
] as const;
export type SandboxablePartner = (typeof sandboxablePartners)[number];

/** `SANDBOX_PARTNERS="twilio,email"` → a set of known partner names ("none" or empty: none). */
function parseSandboxPartners(raw: string, ctx: z.RefinementCtx): Set<SandboxablePartner> {
  const names = raw
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name && name !== "none");
  const unknown = names.filter(
    (name) => !(sandboxablePartners as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `unknown partner ${unknown.join(", ")} (known: ${sandboxablePartners.join(", ")})`,
    });
    return z.NEVER;
  }
  return new Set(names as SandboxablePartner[]);
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Secrets that have no safe default in production. (METRICS_TOKEN: /metrics is never public.) */
const productionSecrets = ["SESSION_SECRET", "ENCRYPTION_KEYS", "METRICS_TOKEN"] as const;

/** Variables FlowPay no longer reads, refused so that a stale setting is not silently ignored. */
const retiredVariables: Record<string, string> = {
  EXPERIAN_TOKEN:
    "no longer used: Experian tokens expire; set EXPERIAN_CLIENT_ID, EXPERIAN_CLIENT_SECRET, EXPERIAN_USERNAME and EXPERIAN_PASSWORD instead (ADR 030)",
};

/** Parses an environment; throws ConfigError whose message names each bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const retired = Object.keys(retiredVariables).filter((name) => cleaned[name] !== undefined);
  if (retired.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${retired.map((name) => `  ${name}: ${retiredVariables[name]}`).join("\n")}`,
    );
  }
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

/** Whether an operator named this partner in SANDBOX_PARTNERS (always sandbox then, ADR 029). */
export const namedSandbox = (partner: SandboxablePartner, env: Env = getEnv()) =>
  env.SANDBOX_PARTNERS?.has(partner) ?? false;

export type PartnerMode = "live" | "sandbox";

/**
 * Which implementation each partner gets, and — in production — what is missing (ADR 029).
 * Outside production: named or unconfigured → sandbox, configured → live. In production a
 * partner is live unless named in SANDBOX_PARTNERS; a live one without its settings is a
 * problem (the start fails naming it), and so is a missing or non-https APP_URL (every
 * borrower link, webhook signature check and Twilio status callback is built from it).
 */
export function partnerSetup(env: Env): {
  modes: Record<SandboxablePartner, PartnerMode>;
  problems: string[];
} {
  const production = env.FLOWPAY_ENV === "production";
  const problems: string[] = [];
  const lacking = (names: (keyof Env)[]): string[] =>
    names.filter((name) => env[name] === undefined);
  const required: Record<SandboxablePartner, { configured: boolean; missing: () => string[] }> = {
    experian: {
      configured:
        env.EXPERIAN_MODE === "live" ||
        (env.EXPERIAN_BASE_URL !== undefined && env.EXPERIAN_MODE !== "sandbox"),
      missing: () =>
        lacking([
          "EXPERIAN_BASE_URL",
          "EXPERIAN_CLIENT_ID",
          "EXPERIAN_CLIENT_SECRET",
          "EXPERIAN_USERNAME",
          "EXPERIAN_PASSWORD",
          "EXPERIAN_COMPANY_ID",
          "EXPERIAN_SUBSCRIBER_CODE",
        ]).concat(env.EXPERIAN_MODE === "sandbox" ? ["EXPERIAN_MODE (is sandbox)"] : []),
    },
    plaid: {
      configured: env.PLAID_CLIENT_ID !== undefined || env.PLAID_SECRET !== undefined,
      // Plaid's own sandbox environment has public test logins: in production it is a sandbox too.
      missing: () =>
        lacking(["PLAID_CLIENT_ID", "PLAID_SECRET"]).concat(
          production && env.PLAID_ENV !== "production" ? ["PLAID_ENV=production"] : [],
        ),
    },
    persona: {
      configured: env.PERSONA_API_KEY !== undefined,
      missing: () => lacking(["PERSONA_API_KEY", "PERSONA_TEMPLATE_ID", "PERSONA_WEBHOOK_SECRETS"]),
    },
    twilio: {
      configured: env.TWILIO_ACCOUNT_SID !== undefined || env.TWILIO_AUTH_TOKEN !== undefined,
      missing: () =>
        lacking(["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]).concat(
          env.TWILIO_FROM === undefined && env.TWILIO_MESSAGING_SERVICE_SID === undefined
            ? ["TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"]
            : [],
        ),
    },
    email: { configured: env.SMTP_URL !== undefined, missing: () => lacking(["SMTP_URL"]) },
    lender: {
      // LENDER_MOCK_URL is the mock lender: a sandbox, so production needs it named.
      configured: env.LENDERS !== undefined,
      missing: () => lacking(["LENDERS"]),
    },
  };
  const modes = {} as Record<SandboxablePartner, PartnerMode>;
  for (const partner of sandboxablePartners) {
    const named = env.SANDBOX_PARTNERS?.has(partner) ?? false;
    if (named) modes[partner] = "sandbox";
    else if (production) {
      modes[partner] = "live";
      const missing = required[partner].missing();
      if (missing.length > 0) {
        problems.push(
          `${partner}: live in production, needs ${missing.join(", ")} (or SANDBOX_PARTNERS=${partner} for its sandbox)`,
        );
      }
    } else if (required[partner].configured) {
      // A live start validates the partner's settings everywhere, not on its first call.
      modes[partner] = "live";
      const missing = required[partner].missing();
      if (missing.length > 0) {
        problems.push(`${partner}: partly configured, needs ${missing.join(", ")}`);
      }
    } else modes[partner] = "sandbox";
  }
  if (production) {
    // The sandboxes' secrets are public (adapters/shared/sandbox-secrets.ts): never accepted here.
    const publicSecret = (
      [
        ["TWILIO_AUTH_TOKEN", env.TWILIO_AUTH_TOKEN],
        ["PERSONA_WEBHOOK_SECRETS", env.PERSONA_WEBHOOK_SECRETS],
        ["LENDER_MOCK_WEBHOOK_SECRET", env.LENDER_MOCK_WEBHOOK_SECRET],
        ["LENDERS", env.LENDERS],
      ] as const
    ).filter(([, value]) =>
      Object.values(publicSandboxSecrets).some((secret) => value?.includes(secret)),
    );
    for (const [name] of publicSecret) {
      problems.push(`${name}: holds a sandbox's public secret, never accepted in production`);
    }
    if (env.LENDER_MOCK_URL !== undefined && !(env.SANDBOX_PARTNERS?.has("lender") ?? false)) {
      problems.push(
        "LENDER_MOCK_URL: the mock lender is a sandbox; in production name it (SANDBOX_PARTNERS=lender)",
      );
    }
    if (env.APP_URL === undefined) {
      problems.push(
        "APP_URL: required when FLOWPAY_ENV=production (public https URL: borrower links, webhook signatures, Twilio callbacks)",
      );
    } else if (new URL(env.APP_URL).protocol !== "https:") {
      problems.push("APP_URL: must be an https:// URL when FLOWPAY_ENV=production");
    }
  }
  return { modes, problems };
}

/** Boot (server and job worker): in production, refuse to start naming each missing partner setting. */
export function assertPartnersConfigured(env: Env = getEnv()) {
  const { modes, problems } = partnerSetup(env);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  return modes;
}

/** One line for /ready and the startup log: which partners are live and which are sandboxes. */
export function describePartnerModes(modes: Record<SandboxablePartner, PartnerMode>) {
  const by = (mode: PartnerMode) => sandboxablePartners.filter((p) => modes[p] === mode);
  return `live: ${by("live").join(", ") || "none"}; sandbox: ${by("sandbox").join(", ") || "none"}`;
}
