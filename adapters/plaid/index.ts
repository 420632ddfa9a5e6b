/**
 * The bank-link adapter to use: live Plaid when `clientId` and `secret` are both set, the
 * sandbox when neither is. Half a configuration (one without the other) is an error, never
 * a silent fall-back to the sandbox. With `production: true` the sandbox is never chosen:
 * its bank chooser lets anyone claim a healthy bank, so an unconfigured Plaid in
 * production refuses to start instead.
 */
import { createPlaidBankLink, type PlaidEnv } from "./live";
import { createSandboxBankLink } from "./sandbox";
import { type BankLinkAdapter } from "./types";

export type BankLinkConfig = {
  clientId?: string;
  secret?: string;
  /** Default "sandbox" (Plaid's own sandbox environment, with live code). */
  env?: PlaidEnv;
  /** Tests and local fakes only. */
  basePath?: string;
  webhookUrl?: string;
  timeoutMs?: number;
  acceptInitialUpdate?: boolean;
  /** Refuse the sandbox (throw) instead of choosing it when Plaid is not configured. */
  production?: boolean;
};

export class BankLinkConfigError extends Error {
  override name = "BankLinkConfigError";
}

export function createBankLink(config: BankLinkConfig = {}): BankLinkAdapter {
  const clientId = config.clientId || undefined;
  const secret = config.secret || undefined;

  if (!clientId && !secret) {
    if (config.production) {
      throw new BankLinkConfigError(
        "Plaid is not configured (set its client id and secret); the sandbox bank chooser is not allowed in production",
      );
    }
    return createSandboxBankLink();
  }
  if (!clientId || !secret) {
    throw new BankLinkConfigError(
      `Plaid is partly configured: missing ${!clientId ? "clientId" : "secret"}`,
    );
  }
  return createPlaidBankLink({
    clientId,
    secret,
    env: config.env ?? "sandbox",
    ...(config.basePath ? { basePath: config.basePath } : {}),
    ...(config.webhookUrl ? { webhookUrl: config.webhookUrl } : {}),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.acceptInitialUpdate !== undefined
      ? { acceptInitialUpdate: config.acceptInitialUpdate }
      : {}),
  });
}

export { createPlaidBankLink, type PlaidBankLinkConfig, type PlaidEnv } from "./live";
export {
  createSandboxBankLink,
  sandboxWebhookKey,
  signSandboxWebhook,
  SANDBOX_WEBHOOK_KID,
} from "./sandbox";
export {
  sandboxBanks,
  findSandboxBank,
  type SandboxBank,
  type SandboxBankId,
} from "./sandbox-banks";
export { summarizeBank, type SummaryAccount, type SummaryTransaction } from "./summary";
export type { BankLinkAdapter, BankSummary, ExchangeResult, LinkTokenResult } from "./types";
