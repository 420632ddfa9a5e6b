import { createBankLink } from "~/adapters/plaid/index";
import type { BankLinkAdapter } from "~/adapters/plaid/types";
import { createIdentityAdapter } from "~/adapters/persona/index";
import type { IdentityAdapter } from "~/adapters/persona/types";
import { randomBytes } from "node:crypto";
import { createSandboxIdentity } from "~/adapters/persona/sandbox";
import { appUrl, getEnv, isProduction, namedSandbox } from "~/app/config/env.server";
import { singleton } from "~/app/singleton.server";

/**
 * Plaid when configured, the documented sandbox banks otherwise or when named in
 * SANDBOX_PARTNERS — but never the sandbox implicitly in production (anyone could claim a
 * healthy bank): the boot refuses a production start without Plaid settings (ADR 029); null
 * here is only a defence in depth, and the borrower then continues without a bank link.
 */
export function getBankLink(): BankLinkAdapter | null {
  const env = getEnv();
  if (namedSandbox("plaid")) {
    return singleton<BankLinkAdapter>("bankLink", () => createBankLink({}));
  }
  if (isProduction() && !(env.PLAID_CLIENT_ID && env.PLAID_SECRET)) return null;
  return singleton<BankLinkAdapter>("bankLink", () =>
    createBankLink({
      clientId: env.PLAID_CLIENT_ID,
      secret: env.PLAID_SECRET,
      env: env.PLAID_ENV,
      basePath: env.PLAID_BASE_URL,
      webhookUrl: `${appUrl().replace(/\/$/, "")}/api/v1/webhooks/plaid`,
    }),
  );
}

/**
 * Persona when configured, the sandbox (outcome by last name) otherwise — never the sandbox in
 * production (it approves everybody): there, an unconfigured Persona means null, the borrower
 * continues without the check and the decision goes to manual review.
 */
export function getIdentity(): IdentityAdapter | null {
  const env = getEnv();
  if (namedSandbox("persona")) {
    // In production the sandbox's public webhook secret is never accepted (ADR 029): a
    // per-process random one verifies nothing anyone outside could have signed.
    return singleton<IdentityAdapter>("identity", () =>
      createSandboxIdentity(
        isProduction() ? { webhookSecrets: [randomBytes(32).toString("hex")] } : {},
      ),
    );
  }
  if (isProduction() && !(env.PERSONA_API_KEY && env.PERSONA_TEMPLATE_ID)) return null;
  return singleton<IdentityAdapter>("identity", () =>
    createIdentityAdapter({
      apiKey: env.PERSONA_API_KEY,
      templateId: env.PERSONA_TEMPLATE_ID,
      webhookSecrets: env.PERSONA_WEBHOOK_SECRETS?.split(",").map((s) => s.trim()),
      baseUrl: env.PERSONA_BASE_URL,
      hostedBaseUrl: env.PERSONA_HOSTED_BASE_URL,
    }),
  );
}
