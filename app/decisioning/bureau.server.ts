import { createExperian, type CreditBureau } from "../../adapters/experian/index";
import { getEnv, isProduction } from "~/config/env.server";

let bureau: CreditBureau | undefined;

/** The process's credit bureau, chosen from EXPERIAN_* settings (sandbox when unset outside production). */
export function getCreditBureau(): CreditBureau {
  if (!bureau) {
    const env = getEnv();
    bureau = createExperian({
      mode: env.EXPERIAN_MODE,
      baseUrl: env.EXPERIAN_BASE_URL,
      token: env.EXPERIAN_TOKEN,
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
