import { createLiveExperian, type LiveExperianConfig } from "./live";
import { createSandboxExperian } from "./sandbox";
import { BureauError, type CreditBureau } from "./types";

export * from "./types";
export { createLiveExperian, type LiveExperianConfig } from "./live";
export { createTokenSource, type ExperianCredentials, type TokenSource } from "./token";
export { createSandboxExperian, sandboxCases } from "./sandbox";

export type ExperianConfig = {
  /** "sandbox" forces the sandbox; "live" requires the live settings; unset chooses by them. */
  mode?: "sandbox" | "live";
  baseUrl?: string;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  companyId?: string;
  subscriberCode?: string;
  timeoutMs?: number;
  /** In production the sandbox is never chosen implicitly. */
  production?: boolean;
};

export class ExperianConfigError extends Error {
  override name = "ExperianConfigError";
}

/**
 * Chooses the implementation: live when a base URL is configured (all live settings are
 * then required), the sandbox otherwise. In production an unconfigured bureau is neither
 * live nor sandbox: every pull fails with "not_configured", so no application is ever
 * decided on sandbox data, and each one goes to manual review saying why.
 */
export function createExperian(config: ExperianConfig): CreditBureau {
  const wantsLive = config.mode === "live" || (config.mode === undefined && !!config.baseUrl);
  if (wantsLive) {
    const missing = (
      [
        "baseUrl",
        "clientId",
        "clientSecret",
        "username",
        "password",
        "companyId",
        "subscriberCode",
      ] as const
    ).filter((key) => !config[key]);
    if (missing.length > 0) {
      throw new ExperianConfigError(`Experian live mode needs ${missing.join(", ")}`);
    }
    const live: LiveExperianConfig = {
      baseUrl: config.baseUrl!,
      credentials: {
        clientId: config.clientId!,
        clientSecret: config.clientSecret!,
        username: config.username!,
        password: config.password!,
      },
      companyId: config.companyId!,
      subscriberCode: config.subscriberCode!,
      timeoutMs: config.timeoutMs,
    };
    return createLiveExperian(live);
  }
  if (config.mode === "sandbox" || !config.production) return createSandboxExperian();
  return {
    name: "experian",
    mode: "unconfigured",
    async pullSoft() {
      throw new BureauError(
        "not_configured",
        "The credit bureau is not configured (set EXPERIAN_BASE_URL and its OAuth credentials, or SANDBOX_PARTNERS=experian for a demo)",
      );
    },
  };
}
