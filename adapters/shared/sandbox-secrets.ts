/**
 * The sandboxes' secrets are public: they are in this repository and in the docs, so anyone can
 * sign a webhook with them. Production never accepts one (ADR 029): a live partner configured
 * with one of these values is refused at boot, and a sandbox chosen by name in production gets
 * a random per-process secret instead. Kept as plain strings here so the configuration check
 * needs no adapter code; sandbox-secrets.test.ts keeps them equal to the sandboxes' own.
 */
export const publicSandboxSecrets = {
  /** adapters/twilio/sandbox.ts SANDBOX_AUTH_TOKEN */
  twilioAuthToken: "sandbox-auth-token",
  /** adapters/persona/sandbox.ts SANDBOX_WEBHOOK_SECRET */
  personaWebhookSecret: "wbhsec_sandbox_flowpay",
  /** adapters/lender/mock-lender.ts MOCK_LENDER_SANDBOX_WEBHOOK_SECRET */
  lenderWebhookSecret: "mock_lender_sandbox_webhook_secret",
} as const;

export const isPublicSandboxSecret = (value: string) =>
  (Object.values(publicSandboxSecrets) as string[]).includes(value.trim());
