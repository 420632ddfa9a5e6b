import { createExperian, type CreditBureau } from "~/adapters/experian/index";
import { getEnv, isProduction, namedSandbox } from "~/app/config/env.server";

let bureau: CreditBureau | undefined;

/** The process's credit bureau, chosen from EXPERIAN_* settings (sandbox when unset outside production). */
export function getCreditBureau(): CreditBureau {
  if (!bureau) {
    const env = getEnv();
    bureau = createExperian({
      // Named in SANDBOX_PARTNERS: the sandbox, even in production (ADR 029).
      mode: namedSandbox("experian") ? "sandbox" : env.EXPERIAN_MODE,
      baseUrl: env.EXPERIAN_BASE_URL,
      clientId: env.EXPERIAN_CLIENT_ID,
      clientSecret: env.EXPERIAN_CLIENT_SECRET,
      username: env.EXPERIAN_USERNAME,
      password: env.EXPERIAN_PASSWORD,
      companyId: env.EXPERIAN_COMPANY_ID,
      subscriberCode: env.EXPERIAN_SUBSCRIBER_CODE,
      timeoutMs: env.EXPERIAN_TIMEOUT_MS,
      production: isProduction(),
    });
  }
  return bureau;
}

export function resetCreditBureau() {
  bureau = undefined;
}
