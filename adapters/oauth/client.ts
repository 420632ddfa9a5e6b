/**
 * A generic OAuth 2.0 authorization-code client with PKCE (S256), for the CRMs that use
 * OAuth (Jobber, Housecall Pro — not FieldRoutes, which uses per-office keys).
 *
 * This module is the partner side only: it builds the authorization URL, exchanges the
 * code, refreshes tokens and says when to. The app owns the rest (docs/sandbox/oauth.md):
 * storing `state` + `codeVerifier` single-use and bound to the operator's session,
 * comparing the callback's `state` (`statesMatch`), encrypting the tokens at rest, and
 * serialising refreshes per connection (refresh tokens rotate: two concurrent refreshes
 * with the same token lose the connection).
 *
 * Every failure is a PartnerError (adapters/shared/errors.ts): the RFC 6749 §5.2 error
 * codes `invalid_grant`, `invalid_client`, … are permanent (the user must reconnect, or
 * our client configuration is wrong); network errors, timeouts, 5xx, 429 and
 * `temporarily_unavailable` are transient.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { decodeJwt } from "jose";
import { z } from "zod";
import { PartnerError, isPermanentHttpStatus } from "~/adapters/shared/errors";

export type OAuthClientConfig = {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Exactly as registered with the CRM, e.g. https://app.flowpay.example/api/v1/crm/jobber/callback. */
  redirectUri: string;
  scopes: string[];
  /** Token endpoint client authentication: HTTP Basic (`client_secret_basic`, default) or form fields (`client_secret_post`). */
  clientAuth?: "basic" | "body";
  /** The `partner` of every PartnerError, e.g. "jobber". Default "oauth". */
  partner?: string;
  /** Per token request, body included. Default 10 s. */
  timeoutMs?: number;
  /** Added to the authorization URL (e.g. `{ prompt: "consent" }`). Cannot override the PKCE/state parameters. */
  extraAuthorizeParams?: Record<string, string>;
  fetch?: typeof fetch;
  now?: () => Date;
};

export type AuthorizationRequest = {
  /** Send the operator's browser here. */
  url: string;
  /** 256 random bits, base64url. Store it single-use, bound to the operator's session. */
  state: string;
  /** 256 random bits, base64url (43 characters). Store it with `state`; never send it to the browser. */
  codeVerifier: string;
};

export type OAuthTokens = {
  accessToken: string;
  /** Null when the CRM issued none. After a refresh without a new one, the old one is kept. */
  refreshToken: string | null;
  /** From `expires_in`, else from the access token's JWT `exp`, else null (unknown: never refreshed pre-emptively). */
  expiresAt: Date | null;
  tokenType: string;
  /** As granted, when the CRM says (it may grant less than asked). */
  scope: string | null;
};

export type OAuthClient = {
  startAuthorization(): AuthorizationRequest;
  exchangeCode(code: string, codeVerifier: string, signal?: AbortSignal): Promise<OAuthTokens>;
  refresh(refreshToken: string, signal?: AbortSignal): Promise<OAuthTokens>;
  needsRefresh(expiresAt: Date | null, now?: Date, skewMs?: number): boolean;
};

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_REFRESH_SKEW_MS = 5 * 60_000;

/** RFC 6749 §5.2 (and §4.1.2.1): answers that the same request will get again. */
const PERMANENT_OAUTH_ERRORS = new Set([
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "access_denied",
  "unsupported_response_type",
]);
const TRANSIENT_OAUTH_ERRORS = new Set(["temporarily_unavailable", "server_error", "slow_down"]);

const base64url = (bytes: Buffer) => bytes.toString("base64url");

/** 256 random bits, base64url: for `state` and the PKCE code verifier. */
export function randomToken(): string {
  return base64url(randomBytes(32));
}

/** PKCE S256: base64url(sha256(verifier)) (RFC 7636 §4.2). */
export function pkceChallenge(codeVerifier: string): string {
  return base64url(createHash("sha256").update(codeVerifier, "ascii").digest());
}

/** A valid PKCE code verifier: 43–128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1). */
export const CODE_VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * Constant-time comparison of the callback's `state` with the stored one (HMACs compared,
 * so neither content nor length leaks). False for a missing value.
 */
export function statesMatch(received: string | null | undefined, expected: string): boolean {
  if (typeof received !== "string" || !received || !expected) return false;
  const key = randomBytes(32);
  const a = createHmac("sha256", key).update(received).digest();
  const b = createHmac("sha256", key).update(expected).digest();
  return timingSafeEqual(a, b);
}

export type AuthorizationCallback =
  | { ok: true; code: string; state: string | null }
  | { ok: false; error: string; errorDescription: string | null; state: string | null };

/**
 * Reads the callback's query (`?code=…&state=…` or `?error=access_denied&state=…`). Check
 * `state` with `statesMatch` in both cases before acting on anything else.
 */
export function parseAuthorizationCallback(
  params: URLSearchParams | Record<string, string | undefined>,
): AuthorizationCallback {
  const get = (name: string) =>
    params instanceof URLSearchParams ? params.get(name) : (params[name] ?? null);
  const state = get("state") || null;
  const error = get("error");
  if (error) return { ok: false, error, errorDescription: get("error_description") || null, state };
  const code = get("code");
  if (!code) {
    return {
      ok: false,
      error: "invalid_request",
      errorDescription: "no code in the callback",
      state,
    };
  }
  return { ok: true, code, state };
}

/** `text` with every occurrence of a (long enough) secret replaced. */
function scrub(text: string, secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length >= 8)
    .reduce((out, secret) => out.split(secret).join("[REDACTED]"), text);
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 §2.3.1 for Basic auth). */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().min(1).optional(),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});

export function createOAuthClient(config: OAuthClientConfig): OAuthClient {
  const partner = config.partner ?? "oauth";
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = config.fetch ?? fetch;
  const now = config.now ?? (() => new Date());
  const clientAuth = config.clientAuth ?? "basic";
  for (const [name, value] of [
    ["authorizeUrl", config.authorizeUrl],
    ["tokenUrl", config.tokenUrl],
    ["redirectUri", config.redirectUri],
  ] as const) {
    if (!URL.canParse(value)) throw new Error(`OAuth ${name} is not an absolute URL`);
  }
  if (!config.clientId || !config.clientSecret) {
    throw new Error("OAuth clientId and clientSecret are required");
  }

  const fail = (
    message: string,
    details: { status?: number; code?: string; permanent: boolean },
  ): PartnerError => new PartnerError(message, { partner, ...details });

  async function tokenRequest(
    grant: string,
    fields: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<z.infer<typeof tokenResponse>> {
    const form = new URLSearchParams(fields);
    const headers: Record<string, string> = {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/json",
    };
    if (clientAuth === "basic") {
      const credentials = `${formEncode(config.clientId)}:${formEncode(config.clientSecret)}`;
      headers.Authorization = `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`;
    } else {
      form.set("client_id", config.clientId);
      form.set("client_secret", config.clientSecret);
    }

    if (signal?.aborted) {
      throw fail(`OAuth ${grant} aborted by the caller`, { code: "ABORTED", permanent: false });
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(config.tokenUrl, {
        method: "POST",
        headers,
        body: form.toString(),
        signal: combined,
        redirect: "manual",
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) {
        throw fail(`OAuth ${grant} aborted by the caller`, { code: "ABORTED", permanent: false });
      }
      if (timeout.aborted) {
        throw fail(`OAuth token endpoint did not answer ${grant} within ${timeoutMs} ms`, {
          code: "TIMEOUT",
          permanent: false,
        });
      }
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const detail = typeof cause?.code === "string" ? cause.code : (error as Error).message;
      throw fail(`OAuth ${grant}: network error (${detail})`, {
        code: "NETWORK",
        permanent: false,
      });
    }

    let body: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        body = parsed as Record<string, unknown>;
      }
    } catch {
      body = undefined;
    }

    if (response.status >= 300 && response.status < 400) {
      throw fail(`OAuth ${grant}: token endpoint redirected (HTTP ${response.status})`, {
        status: response.status,
        code: "UNEXPECTED_REDIRECT",
        permanent: true,
      });
    }
    const oauthError = typeof body?.error === "string" ? body.error : undefined;
    if (response.status >= 400 || oauthError) {
      // Scrubbed of anything secret we sent, in case the server echoes it: this message is logged.
      const description =
        typeof body?.error_description === "string"
          ? `: ${scrub(body.error_description, [config.clientSecret, fields.code ?? "", fields.code_verifier ?? "", fields.refresh_token ?? ""]).slice(0, 200)}`
          : "";
      const permanent = oauthError
        ? PERMANENT_OAUTH_ERRORS.has(oauthError)
          ? true
          : TRANSIENT_OAUTH_ERRORS.has(oauthError)
            ? false
            : isPermanentHttpStatus(response.status)
        : isPermanentHttpStatus(response.status);
      throw fail(
        `OAuth ${grant} failed: HTTP ${response.status}${oauthError ? ` ${oauthError}` : ""}${description}`,
        {
          status: response.status,
          ...(oauthError ? { code: oauthError } : {}),
          permanent,
        },
      );
    }
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success) {
      throw fail(`OAuth ${grant}: the token endpoint's answer has no usable access_token`, {
        status: response.status,
        code: "INVALID_RESPONSE",
        permanent: false,
      });
    }
    if (parsed.data.token_type && parsed.data.token_type.toLowerCase() !== "bearer") {
      throw fail(`OAuth ${grant}: unsupported token type ${parsed.data.token_type}`, {
        status: response.status,
        code: "UNSUPPORTED_TOKEN_TYPE",
        permanent: true,
      });
    }
    return parsed.data;
  }

  function toTokens(
    data: z.infer<typeof tokenResponse>,
    previousRefresh: string | null,
  ): OAuthTokens {
    let expiresAt: Date | null = null;
    if (data.expires_in !== undefined) {
      expiresAt = new Date(now().getTime() + data.expires_in * 1000);
    } else {
      // Some CRMs (Jobber) say only in the JWT. Read, not verified: it is only a hint of when to refresh.
      try {
        const exp = decodeJwt(data.access_token).exp;
        if (typeof exp === "number") expiresAt = new Date(exp * 1000);
      } catch {
        expiresAt = null;
      }
    }
    return {
      accessToken: data.access_token,
      refreshToken: data.refresh_token ?? previousRefresh,
      expiresAt,
      tokenType: "Bearer",
      scope: data.scope ?? null,
    };
  }

  return {
    startAuthorization() {
      const state = randomToken();
      const codeVerifier = randomToken();
      const url = new URL(config.authorizeUrl);
      for (const [name, value] of Object.entries(config.extraAuthorizeParams ?? {})) {
        url.searchParams.set(name, value);
      }
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", config.clientId);
      url.searchParams.set("redirect_uri", config.redirectUri);
      if (config.scopes.length > 0) url.searchParams.set("scope", config.scopes.join(" "));
      url.searchParams.set("state", state);
      url.searchParams.set("code_challenge", pkceChallenge(codeVerifier));
      url.searchParams.set("code_challenge_method", "S256");
      return { url: url.toString(), state, codeVerifier };
    },

    async exchangeCode(code, codeVerifier, signal) {
      if (!code)
        throw fail("OAuth code exchange: no code", { code: "invalid_request", permanent: true });
      if (!CODE_VERIFIER_PATTERN.test(codeVerifier)) {
        throw fail("OAuth code exchange: malformed code verifier", {
          code: "invalid_request",
          permanent: true,
        });
      }
      const data = await tokenRequest(
        "authorization_code",
        {
          grant_type: "authorization_code",
          code,
          redirect_uri: config.redirectUri,
          code_verifier: codeVerifier,
          ...(clientAuth === "basic" ? { client_id: config.clientId } : {}),
        },
        signal,
      );
      return toTokens(data, null);
    },

    async refresh(refreshToken, signal) {
      if (!refreshToken) {
        throw fail("OAuth refresh: no refresh token", { code: "invalid_grant", permanent: true });
      }
      const data = await tokenRequest(
        "refresh_token",
        { grant_type: "refresh_token", refresh_token: refreshToken },
        signal,
      );
      return toTokens(data, refreshToken);
    },

    needsRefresh(expiresAt, at = now(), skewMs = DEFAULT_REFRESH_SKEW_MS) {
      if (!expiresAt) return false;
      return expiresAt.getTime() - skewMs <= at.getTime();
    },
  };
}
