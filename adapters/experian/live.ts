import pRetry, { AbortError } from "p-retry";
import { parseCreditReportResponse, toWireRequest } from "./parse";
import { createTokenSource, type ExperianCredentials } from "./token";
import { BureauError, type CreditBureau, type CreditPullRequest, type PullOptions } from "./types";
import { creditReportPath } from "./wire";

export type LiveExperianConfig = {
  /** e.g. https://sandbox-us-api.experian.com (no trailing path). */
  baseUrl: string;
  /** OAuth2 password-grant credentials: the adapter fetches and refreshes its tokens (token.ts). */
  credentials: ExperianCredentials;
  companyId: string;
  subscriberCode: string;
  modelIndicator?: string;
  /** Per attempt, covering the response body too. */
  timeoutMs?: number;
  /** Retries after the first attempt, for network errors, timeouts and 5xx only. */
  retries?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Token refresh margin (token.ts); tests shorten it. */
  tokenRefreshMarginMs?: number;
};

/**
 * Experian over HTTP. Transient failures (network, timeout, 5xx) are retried with
 * exponential backoff; a 4xx is our fault and is not retried; a body that does not parse
 * is reported as invalid. Every failure is a BureauError.
 */
export function createLiveExperian(config: LiveExperianConfig): CreditBureau {
  const fetchImpl = config.fetch ?? fetch;
  const now = config.now ?? (() => new Date());
  const timeoutMs = config.timeoutMs ?? 8_000;
  const url = new URL(creditReportPath, config.baseUrl).toString();
  const tokens = createTokenSource({
    baseUrl: config.baseUrl,
    credentials: config.credentials,
    timeoutMs,
    fetch: fetchImpl,
    now: () => now().getTime(),
    ...(config.tokenRefreshMarginMs !== undefined
      ? { refreshMarginMs: config.tokenRefreshMarginMs }
      : {}),
  });

  /**
   * One attempt: a 401 means the token lapsed or was revoked (Experian's tokens expire), so
   * it is dropped and the call is made once more with a fresh one; a second 401 is reported.
   */
  async function attempt(request: CreditPullRequest, body: string, callerSignal?: AbortSignal) {
    const token = await tokens.get(callerSignal);
    try {
      return await attemptWith(token, request, body, callerSignal);
    } catch (error) {
      if (!(error instanceof BureauError) || error.details.status !== 401) throw error;
      tokens.invalidate(token);
      return attemptWith(await tokens.get(callerSignal), request, body, callerSignal);
    }
  }

  async function attemptWith(
    token: string,
    request: CreditPullRequest,
    body: string,
    callerSignal?: AbortSignal,
  ) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const failed = (error: unknown): never => {
      if (callerSignal?.aborted) throw new AbortError("Credit pull aborted by the caller");
      if (timeout.aborted)
        throw new BureauError("timeout", `Experian did not answer within ${timeoutMs} ms`);
      throw new BureauError(
        "network",
        `Experian could not be reached (${(error as Error).message})`,
      );
    };
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token}`,
          companyId: config.companyId,
          clientReferenceId: request.clientReferenceId,
          "Content-Type": "application/json",
          Accept: "application/json",
        },
        body,
        signal,
      });
    } catch (error) {
      return failed(error);
    }
    if (response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      throw new BureauError("server_error", `Experian answered HTTP ${response.status}`, {
        status: response.status,
      });
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new BureauError("rejected", `Experian rejected the request (HTTP ${response.status})`, {
        status: response.status,
      });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      return failed(error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BureauError("invalid_response", "Experian's answer was not JSON");
    }
  }

  return {
    name: "experian",
    mode: "live",
    async pullSoft(request, options: PullOptions = {}) {
      const body = JSON.stringify(
        toWireRequest(request, {
          subscriberCode: config.subscriberCode,
          modelIndicator: config.modelIndicator,
        }),
      );
      let attempts = 0;
      let json: unknown;
      try {
        json = await pRetry(
          () => {
            attempts += 1;
            return attempt(request, body, options.signal);
          },
          {
            retries: config.retries ?? 2,
            factor: 2,
            minTimeout: config.minRetryDelayMs ?? 250,
            maxTimeout: config.maxRetryDelayMs ?? 2_000,
            signal: options.signal,
            shouldRetry: ({ error }) => error instanceof BureauError && error.transient,
          },
        );
      } catch (error) {
        if (error instanceof BureauError) {
          throw new BureauError(error.kind, error.message, { ...error.details, attempts });
        }
        throw error;
      }
      return parseCreditReportResponse(json, now());
    },
  };
}
