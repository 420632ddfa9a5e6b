/**
 * The identity adapter to use: live Persona when it is fully configured, the sandbox when
 * it is not configured at all. Half a configuration (a key without a template, or no
 * webhook secret) is an error, never a silent fall-back to the sandbox: a sandbox that
 * approves everybody must not stand in for a real identity check.
 */
import { createPersona } from "./live";
import { createSandboxIdentity } from "./sandbox";
import { type IdentityAdapter } from "./types";

export type IdentityAdapterConfig = {
  apiKey?: string;
  templateId?: string;
  /** One secret, or two during a rotation. Empty strings are ignored. */
  webhookSecrets?: readonly string[];
  baseUrl?: string;
  hostedBaseUrl?: string;
  apiVersion?: string;
  timeoutMs?: number;
};

export class IdentityConfigError extends Error {
  override name = "IdentityConfigError";
}

export function createIdentityAdapter(config: IdentityAdapterConfig = {}): IdentityAdapter {
  const apiKey = config.apiKey || undefined;
  const templateId = config.templateId || undefined;
  const webhookSecrets = (config.webhookSecrets ?? []).filter((secret) => secret.length > 0);

  if (!apiKey && !templateId && webhookSecrets.length === 0) return createSandboxIdentity();
  const missing = [
    !apiKey && "apiKey",
    !templateId && "templateId",
    webhookSecrets.length === 0 && "webhookSecrets",
  ].filter((name): name is string => Boolean(name));
  if (!apiKey || !templateId || missing.length > 0) {
    throw new IdentityConfigError(`Persona is partly configured: missing ${missing.join(", ")}`);
  }
  return createPersona({
    apiKey,
    templateId,
    webhookSecrets,
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    ...(config.hostedBaseUrl ? { hostedBaseUrl: config.hostedBaseUrl } : {}),
    ...(config.apiVersion ? { apiVersion: config.apiVersion } : {}),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
  });
}

export { createPersona, hostedFlowUrl, FRAUD_SIGNAL_BY_CHECK, type PersonaConfig } from "./live";
export {
  createSandboxIdentity,
  sandboxInquiries,
  clearSandboxInquiries,
  setSandboxOutcome,
  sandboxOutcomeFor,
  sandboxHostedUrl,
  signSandboxEvent,
  SANDBOX_OUTCOMES,
  SANDBOX_UNAVAILABLE_LAST_NAME,
  SANDBOX_WEBHOOK_SECRET,
  type SandboxInquiry,
  type SandboxOutcome,
} from "./sandbox";
export {
  applyInOrder,
  compareEvents,
  statusForEvent,
  STATUS_BY_EVENT,
  type AppliedEvents,
} from "./events";
export { confidenceFor, isTerminalStatus, parseKycStatus, KYC_STATUSES } from "./status";
export {
  SIGNATURE_TOLERANCE_SECONDS,
  personaSignatureHeader,
  verifyPersonaWebhook,
} from "./webhook";
export type { IdentityAdapter, KycEvent, KycResult, KycStatus } from "./types";
