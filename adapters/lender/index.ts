/**
 * Lenders are pluggable per merchant: `merchants.lender` names one, and a registry of the
 * configured lenders turns that name into an adapter. Every lender speaks the lender REST API
 * (docs/sandbox/lender.md), so each is the generic HTTP adapter with its own base URL, API key
 * and webhook secret — the "mock" lender included (pointed at the mock lender server: the
 * embedded one in the demo, `startMockLender` in tests).
 */
import { LenderConfigError, createHttpLender, type HttpLenderConfig } from "./http-lender";
import { type LenderAdapter } from "./types";

export type LenderConfig = {
  /** As merchants.lender spells it: "mock", … */
  name: string;
  baseUrl: string;
  apiKey: string;
  /** Give two during a rotation: a webhook signed with either is accepted. */
  webhookSecret: string | readonly string[];
  /** Per call. Default 10 s. */
  timeoutMs?: number;
};

/** The live adapter for one configured lender. Throws LenderConfigError on a bad configuration. */
export function createLenderAdapter(config: LenderConfig): LenderAdapter {
  const missing = (["name", "baseUrl", "apiKey", "webhookSecret"] as const).filter((key) => {
    const value = config[key];
    return typeof value === "string" ? !value : !value || value.length === 0;
  });
  if (missing.length > 0) {
    throw new LenderConfigError(
      `Lender ${config.name ? JSON.stringify(config.name) : "(unnamed)"} is missing ${missing.join(", ")}`,
    );
  }
  const http: HttpLenderConfig = {
    name: config.name,
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    webhookSecret: config.webhookSecret,
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
  };
  return createHttpLender(http);
}

export type LenderRegistry = {
  /** The adapter named `name` (merchants.lender). Throws LenderConfigError when none is configured. */
  get(name: string): LenderAdapter;
  has(name: string): boolean;
  names(): string[];
};

/** One adapter per configured lender, keyed by name (names must be unique). */
export function createLenderRegistry(configs: readonly LenderConfig[]): LenderRegistry {
  const adapters = new Map<string, LenderAdapter>();
  for (const config of configs) {
    if (adapters.has(config.name)) {
      throw new LenderConfigError(`Lender ${JSON.stringify(config.name)} is configured twice`);
    }
    adapters.set(config.name, createLenderAdapter(config));
  }
  return {
    get(name) {
      const adapter = adapters.get(name);
      if (!adapter) {
        throw new LenderConfigError(
          `No lender named ${JSON.stringify(name)} is configured (configured: ${[...adapters.keys()].join(", ") || "none"})`,
        );
      }
      return adapter;
    },
    has: (name) => adapters.has(name),
    names: () => [...adapters.keys()],
  };
}

export { createHttpLender, LenderConfigError, type HttpLenderConfig } from "./http-lender";
export {
  MOCK_LENDER_REJECTED_LAST_NAME,
  MOCK_LENDER_SANDBOX_API_KEY,
  MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
  startEmbeddedMockLender,
  startMockLender,
  stopEmbeddedMockLender,
  type MockLender,
  type MockLenderEvent,
  type MockLenderOptions,
  type MockLenderRequest,
  type MockLenderWebhookAttempt,
} from "./mock-lender";
export {
  LENDER_SIGNATURE_HEADER,
  LENDER_SIGNATURE_TOLERANCE_SECONDS,
  parseSignatureHeader,
  signLenderWebhook,
  verifyLenderWebhook,
} from "./signature";
export type {
  CreateLoanInput,
  DisbursementInput,
  LenderAdapter,
  LenderEvent,
  LenderLoanStatus,
  LenderRejection,
  RefundInput,
  WithdrawInput,
} from "./types";
