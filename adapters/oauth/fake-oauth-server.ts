/**
 * A local OAuth 2.0 CRM (tests only), strict where real servers are strict, on 127.0.0.1
 * (port 0):
 *
 * - `GET /authorize` checks `response_type=code`, `client_id`, `redirect_uri` (absolute
 *   http(s); one of `redirectUris` when given), `state`, and PKCE (`code_challenge`,
 *   `code_challenge_method=S256` — `plain` is refused). A bad client or redirect URI is
 *   answered 400 here (never redirected to); any other problem redirects back with
 *   `error=…&state=…`; success redirects (302) to `redirect_uri?code=…&state=…`. Tests
 *   GET it with `redirect: "manual"` and read `Location`.
 * - `POST /token` (form): client authentication by HTTP Basic *or* `client_id` +
 *   `client_secret` in the body (both at once → `invalid_request`; wrong → 401
 *   `invalid_client`). `authorization_code`: the code is single-use (a second use also
 *   revokes the tokens the first one produced), expires (`codeTtlMs`), is bound to the
 *   client and redirect URI, and `code_verifier` must hash (S256) to the challenge.
 *   `refresh_token`: rotates — each use returns a new refresh token and retires the old
 *   one; reusing a retired one is `invalid_grant` and revokes the whole chain (reuse
 *   detection, RFC 9700 §4.14.2).
 * - `GET /api/me` with `Authorization: Bearer …`: 200 for a live access token, else 401 —
 *   a protected resource for end-to-end tests.
 *
 * Every request is recorded (`requests`), secrets included: it is a test double.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";

export type FakeOAuthOptions = {
  clientId: string;
  clientSecret: string;
  /** Registered redirect URIs; when omitted, any absolute http(s) URI is accepted. */
  redirectUris?: string[];
  /** Scopes the CRM knows; when omitted, any scope is accepted. */
  scopes?: string[];
  /** `expires_in` of access tokens. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** How long a code can be exchanged. Default 60 s. */
  codeTtlMs?: number;
  /** Default true. With false, refresh answers carry no new refresh token (the old one stays valid). */
  rotateRefreshTokens?: boolean;
};

export type FakeOAuthRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  clientAuth: "basic" | "body" | "none";
  status: number;
  /** The OAuth `error` answered, if any. */
  error?: string;
};

export type FakeOAuthFailKind = "http500" | "temporarily_unavailable" | "timeout";

export type FakeOAuthCrm = {
  url: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** A protected resource: GET with `Authorization: Bearer <access token>`. */
  meUrl: string;
  requests: FakeOAuthRequest[];
  /** The next `count` /token requests fail as `kind`. */
  failNext(count: number, kind: FakeOAuthFailKind): void;
  /** The next /authorize answers `error=access_denied` (the user clicked "Deny"). */
  denyNext(): void;
  /** Expire every access token issued so far (the resource answers 401). */
  expireAccessTokens(): void;
  close(): Promise<void>;
};

type Code = {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  expiresAt: number;
  used: boolean;
  family: string;
};
type Refresh = { clientId: string; scope: string; family: string; retired: boolean };
type Access = { clientId: string; scope: string; family: string; expiresAt: number };

const b64url = (bytes: Buffer) => bytes.toString("base64url");
const token = (prefix: string) => `${prefix}_${b64url(randomBytes(24))}`;

function sameString(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** RFC 6749 §2.3.1: the Basic credentials are form-encoded before base64. */
function formDecode(value: string): string {
  return new URLSearchParams(`v=${value}`).get("v") ?? "";
}

export async function startFakeOAuthCrm(options: FakeOAuthOptions): Promise<FakeOAuthCrm> {
  const accessTtlSeconds = options.accessTokenTtlSeconds ?? 3600;
  const codeTtlMs = options.codeTtlMs ?? 60_000;
  const rotate = options.rotateRefreshTokens ?? true;
  const requests: FakeOAuthRequest[] = [];
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<string, Refresh>();
  const accessTokens = new Map<string, Access>();
  const revokedFamilies = new Set<string>();
  const failures: FakeOAuthFailKind[] = [];
  let deny = false;

  function issue(clientId: string, scope: string, family: string, withRefresh: boolean) {
    const accessToken = token("at");
    accessTokens.set(accessToken, {
      clientId,
      scope,
      family,
      expiresAt: Date.now() + accessTtlSeconds * 1000,
    });
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: accessTtlSeconds,
      scope,
    };
    if (withRefresh) {
      const refreshToken = token("rt");
      refreshTokens.set(refreshToken, { clientId, scope, family, retired: false });
      body.refresh_token = refreshToken;
    }
    return body;
  }

  function authorize(query: URLSearchParams, res: ServerResponse, record: FakeOAuthRequest) {
    const plain = (status: number, error: string, description: string) => {
      record.status = status;
      record.error = error;
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error, error_description: description }));
    };
    const clientId = query.get("client_id") ?? "";
    const redirectUri = query.get("redirect_uri") ?? "";
    if (!sameString(clientId, options.clientId)) {
      return plain(400, "invalid_client", "unknown client_id");
    }
    let redirect: URL;
    try {
      redirect = new URL(redirectUri);
    } catch {
      return plain(400, "invalid_request", "redirect_uri must be an absolute URL");
    }
    if (
      !["http:", "https:"].includes(redirect.protocol) ||
      redirect.hash ||
      (options.redirectUris && !options.redirectUris.includes(redirectUri))
    ) {
      return plain(400, "invalid_request", "redirect_uri is not registered");
    }
    const state = query.get("state");
    const back = (params: Record<string, string>) => {
      const location = new URL(redirect);
      for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value);
      if (state) location.searchParams.set("state", state);
      record.status = 302;
      if (params.error) record.error = params.error;
      res.writeHead(302, { Location: location.toString() });
      res.end();
    };
    if (query.get("response_type") !== "code") {
      return back({ error: "unsupported_response_type" });
    }
    if (!state) return back({ error: "invalid_request", error_description: "state is required" });
    const challenge = query.get("code_challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return back({ error: "invalid_request", error_description: "PKCE code_challenge required" });
    }
    if (query.get("code_challenge_method") !== "S256") {
      return back({
        error: "invalid_request",
        error_description: "code_challenge_method must be S256",
      });
    }
    const scope = query.get("scope") ?? "";
    const unknown = scope
      .split(" ")
      .filter(Boolean)
      .filter((s) => options.scopes && !options.scopes.includes(s));
    if (unknown.length > 0) return back({ error: "invalid_scope" });
    if (deny) {
      deny = false;
      return back({ error: "access_denied", error_description: "The user denied access" });
    }
    const code = token("code");
    codes.set(code, {
      clientId,
      redirectUri,
      challenge,
      scope,
      expiresAt: Date.now() + codeTtlMs,
      used: false,
      family: token("fam"),
    });
    return back({ code });
  }

  function tokenEndpoint(
    req: IncomingMessage,
    raw: string,
    res: ServerResponse,
    record: FakeOAuthRequest,
  ) {
    const answer = (status: number, body: Record<string, unknown>, headers = {}) => {
      record.status = status;
      if (typeof body.error === "string") record.error = body.error;
      res.writeHead(status, {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        Pragma: "no-cache",
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, description: string, headers = {}) =>
      answer(status, { error: code, error_description: description }, headers);

    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    const form = new URLSearchParams(raw);

    // Client authentication: exactly one method.
    const header = req.headers.authorization ?? "";
    let clientId: string | undefined;
    let secret: string | undefined;
    if (header.startsWith("Basic ")) {
      if (form.has("client_secret")) {
        return error(400, "invalid_request", "more than one client authentication method");
      }
      const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon !== -1) {
        clientId = formDecode(decoded.slice(0, colon));
        secret = formDecode(decoded.slice(colon + 1));
      }
      record.clientAuth = "basic";
      const bodyId = form.get("client_id");
      if (bodyId !== null && bodyId !== clientId) {
        return error(400, "invalid_request", "client_id does not match the authenticated client");
      }
    } else if (form.has("client_secret")) {
      clientId = form.get("client_id") ?? undefined;
      secret = form.get("client_secret") ?? undefined;
      record.clientAuth = "body";
    }
    if (
      clientId === undefined ||
      secret === undefined ||
      !sameString(clientId, options.clientId) ||
      !sameString(secret, options.clientSecret)
    ) {
      return error(
        401,
        "invalid_client",
        "client authentication failed",
        record.clientAuth === "basic" ? { "WWW-Authenticate": 'Basic realm="fake-crm"' } : {},
      );
    }

    const failure = failures.shift();
    if (failure === "timeout") return; // never answer
    if (failure === "http500") return answer(500, { error: "server_error" });
    if (failure === "temporarily_unavailable") {
      return error(503, "temporarily_unavailable", "try again later");
    }

    const grant = form.get("grant_type");
    if (grant === "authorization_code") {
      const code = codes.get(form.get("code") ?? "");
      if (!code || code.clientId !== clientId) return error(400, "invalid_grant", "unknown code");
      if (code.used) {
        // RFC 6749 §4.1.2: a reused code revokes what the first use produced.
        revokedFamilies.add(code.family);
        return error(400, "invalid_grant", "code already used");
      }
      code.used = true;
      if (Date.now() > code.expiresAt) return error(400, "invalid_grant", "code expired");
      if (form.get("redirect_uri") !== code.redirectUri) {
        return error(400, "invalid_grant", "redirect_uri does not match the authorization request");
      }
      const verifier = form.get("code_verifier") ?? "";
      if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
        return error(400, "invalid_grant", "code_verifier missing or malformed");
      }
      if (
        !sameString(b64url(createHash("sha256").update(verifier, "ascii").digest()), code.challenge)
      ) {
        return error(400, "invalid_grant", "PKCE verification failed");
      }
      return answer(200, issue(clientId, code.scope, code.family, true));
    }
    if (grant === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      const refresh = refreshTokens.get(presented);
      if (!refresh || refresh.clientId !== clientId) {
        return error(400, "invalid_grant", "unknown refresh token");
      }
      if (revokedFamilies.has(refresh.family)) {
        return error(400, "invalid_grant", "refresh token revoked");
      }
      if (refresh.retired) {
        // Reuse of a rotated token: someone has a copy. Revoke the whole chain.
        revokedFamilies.add(refresh.family);
        return error(400, "invalid_grant", "refresh token already used");
      }
      if (!rotate) return answer(200, issue(clientId, refresh.scope, refresh.family, false));
      refresh.retired = true;
      return answer(200, issue(clientId, refresh.scope, refresh.family, true));
    }
    return error(400, "unsupported_grant_type", `grant_type ${grant ?? "(none)"} not supported`);
  }

  function me(req: IncomingMessage, res: ServerResponse, record: FakeOAuthRequest) {
    const header = req.headers.authorization ?? "";
    const access = header.startsWith("Bearer ") ? accessTokens.get(header.slice(7)) : undefined;
    if (!access || access.expiresAt <= Date.now() || revokedFamilies.has(access.family)) {
      record.status = 401;
      record.error = "invalid_token";
      res.writeHead(401, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
      return res.end();
    }
    record.status = 200;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ clientId: access.clientId, scope: access.scope }));
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? "/", "http://fake");
      const record: FakeOAuthRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        form:
          req.method === "POST"
            ? Object.fromEntries(new URLSearchParams(raw))
            : ({} as Record<string, string>),
        clientAuth: "none",
        status: 0,
      };
      requests.push(record);
      if (req.method === "GET" && url.pathname === "/authorize") {
        return authorize(url.searchParams, res, record);
      }
      if (req.method === "POST" && url.pathname === "/token") {
        return tokenEndpoint(req, raw, res, record);
      }
      if (req.method === "GET" && url.pathname === "/api/me") return me(req, res, record);
      record.status = 404;
      res.writeHead(404).end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    authorizeUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    meUrl: `${url}/api/me`,
    requests,
    failNext(count, kind) {
      for (let i = 0; i < count; i++) failures.push(kind);
    },
    denyNext() {
      deny = true;
    },
    expireAccessTokens() {
      for (const access of accessTokens.values()) access.expiresAt = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
