import { z } from "zod";
import { BureauError } from "./types";
import { tokenPath } from "./wire";

/**
 * Experian's OAuth2 access tokens (ADR 030, docs/partners/experian.md). Experian issues a
 * Bearer token from `POST {base}/oauth2/v1/token` (password grant: client id/secret in the
 * `Client_id`/`Client_secret` headers, `Grant_type: password`, the API user's username and
 * password as JSON) that expires after `expires_in` seconds. A fixed token would make every
 * pull fail once it lapses, so the adapter owns the token's whole life:
 *
 * - fetched on first use, and again before it expires (at `refreshMarginMs` before its end,
 *   or at 80% of its lifetime when that is sooner), never per request;
 * - one fetch at a time: concurrent pulls wait for the same token request;
 * - a 401 from the credit report means "this token is no longer good": `invalidate` it, and
 *   the caller asks once more with a fresh one (live.ts) — never a permanent failure.
 *
 * A 400/401 from the token endpoint itself is a configuration problem (wrong credentials):
 * reported as `rejected`, not retried. 5xx and network failures are transient.
 */
export type ExperianCredentials = {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
};

export type TokenSource = {
  /** A token that is good for now (fetching or refreshing it when needed). */
  get(signal?: AbortSignal): Promise<string>;
  /** Forget `token` (the API said 401): the next `get` fetches a new one. */
  invalidate(token: string): void;
};

// Experian sends every value as a string ("expires_in": "1800"); accept numbers as well.
const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]),
  token_type: z.string().optional(),
});

export function createTokenSource(options: {
  baseUrl: string;
  credentials: ExperianCredentials;
  timeoutMs?: number;
  /** Refresh this long before expiry (default 5 minutes, capped at 20% of the lifetime). */
  refreshMarginMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}): TokenSource {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 8_000;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  const url = new URL(tokenPath, options.baseUrl).toString();
  let current: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(callerSignal?: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const { clientId, clientSecret, username, password } = options.credentials;
    const requestedAt = now();
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          Grant_type: "password",
          Client_id: clientId,
          Client_secret: clientSecret,
        },
        body: JSON.stringify({ username, password }),
        signal,
        redirect: "error",
      });
    } catch (error) {
      if (timeout.aborted) {
        throw new BureauError(
          "timeout",
          `Experian's token endpoint did not answer within ${timeoutMs} ms`,
        );
      }
      throw new BureauError(
        "network",
        `Experian's token endpoint could not be reached (${(error as Error).message})`,
      );
    }
    if (response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      throw new BureauError(
        "server_error",
        `Experian's token endpoint answered HTTP ${response.status}`,
        {
          status: response.status,
        },
      );
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      // Never echo the body: it may repeat what we sent.
      throw new BureauError(
        "rejected",
        `Experian refused the OAuth credentials (HTTP ${response.status}): check EXPERIAN_CLIENT_ID, EXPERIAN_CLIENT_SECRET, EXPERIAN_USERNAME and EXPERIAN_PASSWORD`,
        { status: response.status },
      );
    }
    let parsed: z.infer<typeof tokenResponseSchema>;
    try {
      parsed = tokenResponseSchema.parse(await response.json());
    } catch {
      throw new BureauError("invalid_response", "Experian's token answer was not a token");
    }
    const lifetimeMs = Number(parsed.expires_in) * 1000;
    const refreshAt = requestedAt + Math.max(0, lifetimeMs - Math.min(margin, lifetimeMs * 0.2));
    current = { token: parsed.access_token, refreshAt };
    return parsed.access_token;
  }

  return {
    get(signal) {
      if (current && now() < current.refreshAt) return Promise.resolve(current.token);
      pending ??= fetchToken(signal).finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}
