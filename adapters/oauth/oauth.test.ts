import { SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import {
  createOAuthClient,
  parseAuthorizationCallback,
  pkceChallenge,
  statesMatch,
  type OAuthClientConfig,
} from "./client";
import { startFakeOAuthCrm, type FakeOAuthCrm } from "./fake-oauth-server";

const CLIENT_ID = "flowpay-client";
const CLIENT_SECRET = "s3cret: with spaces & symbols";
const REDIRECT_URI = "https://app.flowpay.example/api/v1/crm/jobber/callback";

async function partnerError(promise: Promise<unknown>): Promise<PartnerError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  return error as PartnerError;
}

/** The operator's browser: GET the authorization URL, read the redirect back to us. */
async function followAuthorization(url: string): Promise<URL> {
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status).toBe(302);
  const location = response.headers.get("location");
  expect(location).toBeTruthy();
  return new URL(location!);
}

describe("OAuth client against the fake OAuth CRM", () => {
  let fake: FakeOAuthCrm;
  const client = (overrides: Partial<OAuthClientConfig> = {}) =>
    createOAuthClient({
      authorizeUrl: fake.authorizeUrl,
      tokenUrl: fake.tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT_URI,
      scopes: ["read_clients", "write_notes"],
      partner: "jobber",
      ...overrides,
    });

  /** Authorize and exchange: the tokens of a freshly connected CRM. */
  async function connect(oauth = client()) {
    const start = oauth.startAuthorization();
    const callback = await followAuthorization(start.url);
    const parsed = parseAuthorizationCallback(callback.searchParams);
    if (!parsed.ok) throw new Error(`authorization failed: ${parsed.error}`);
    return oauth.exchangeCode(parsed.code, start.codeVerifier);
  }

  beforeEach(async () => {
    fake = await startFakeOAuthCrm({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [REDIRECT_URI],
      scopes: ["read_clients", "write_notes"],
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("runs the authorization code flow with PKCE S256 and a fresh state", async () => {
    const oauth = client();
    const start = oauth.startAuthorization();

    expect(start.state).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    expect(start.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = oauth.startAuthorization();
    expect(again.state).not.toBe(start.state);
    expect(again.codeVerifier).not.toBe(start.codeVerifier);

    const url = new URL(start.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: "read_clients write_notes",
      state: start.state,
      code_challenge: pkceChallenge(start.codeVerifier),
      code_challenge_method: "S256",
    });
    expect(start.url).not.toContain(start.codeVerifier);

    const callback = await followAuthorization(start.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    const parsed = parseAuthorizationCallback(callback.searchParams);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(statesMatch(parsed.state, start.state)).toBe(true);

    const before = Date.now();
    const tokens = await oauth.exchangeCode(parsed.code, start.codeVerifier);
    expect(tokens.accessToken).toMatch(/^at_/);
    expect(tokens.refreshToken).toMatch(/^rt_/);
    expect(tokens.tokenType).toBe("Bearer");
    expect(tokens.scope).toBe("read_clients write_notes");
    expect(tokens.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3600_000);

    const exchange = fake.requests.find((r) => r.path === "/token")!;
    expect(exchange).toMatchObject({ clientAuth: "basic", status: 200 });
    expect(exchange.form).toEqual({
      grant_type: "authorization_code",
      code: parsed.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: start.codeVerifier,
      client_id: CLIENT_ID,
    });

    const me = await fetch(fake.meUrl, {
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(me.status).toBe(200);

    // The code is single-use.
    expect(await partnerError(oauth.exchangeCode(parsed.code, start.codeVerifier))).toMatchObject({
      partner: "jobber",
      code: "invalid_grant",
      permanent: true,
    });
  });

  it("authenticates with client_id/client_secret in the body when configured", async () => {
    const tokens = await connect(client({ clientAuth: "body" }));
    expect(tokens.accessToken).toBeTruthy();
    const exchange = fake.requests.find((r) => r.path === "/token")!;
    expect(exchange.clientAuth).toBe("body");
    expect(exchange.form).toMatchObject({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  });

  it("refuses a wrong code verifier: permanent invalid_grant", async () => {
    const oauth = client();
    const start = oauth.startAuthorization();
    const callback = await followAuthorization(start.url);
    const parsed = parseAuthorizationCallback(callback.searchParams);
    if (!parsed.ok) throw new Error("expected a code");
    const otherVerifier = oauth.startAuthorization().codeVerifier;
    const error = await partnerError(oauth.exchangeCode(parsed.code, otherVerifier));
    expect(error).toMatchObject({
      partner: "jobber",
      status: 400,
      code: "invalid_grant",
      permanent: true,
    });
    expect(error.message).toContain("PKCE");
    expect(error.message).not.toContain(CLIENT_SECRET);
  });

  it("refuses a wrong client secret: permanent invalid_client", async () => {
    const oauth = client({ clientSecret: "wrong" });
    const start = oauth.startAuthorization();
    const parsed = parseAuthorizationCallback((await followAuthorization(start.url)).searchParams);
    if (!parsed.ok) throw new Error("expected a code");
    expect(await partnerError(oauth.exchangeCode(parsed.code, start.codeVerifier))).toMatchObject({
      status: 401,
      code: "invalid_client",
      permanent: true,
    });
  });

  it("refreshes before expiry, rotating the refresh token", async () => {
    const oauth = client();
    const tokens = await connect(oauth);
    const expiresAt = tokens.expiresAt!;

    expect(oauth.needsRefresh(expiresAt, new Date(expiresAt.getTime() - 10 * 60_000))).toBe(false);
    expect(oauth.needsRefresh(expiresAt, new Date(expiresAt.getTime() - 4 * 60_000))).toBe(true);
    expect(oauth.needsRefresh(expiresAt, new Date(expiresAt.getTime() + 1))).toBe(true);
    expect(oauth.needsRefresh(expiresAt, new Date(expiresAt.getTime() - 30_000), 10_000)).toBe(
      false,
    );
    expect(oauth.needsRefresh(null, new Date())).toBe(false);

    const refreshed = await oauth.refresh(tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toMatch(/^rt_/);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(fake.requests.at(-1)!.form).toEqual({
      grant_type: "refresh_token",
      refresh_token: tokens.refreshToken,
    });
    const me = await fetch(fake.meUrl, {
      headers: { Authorization: `Bearer ${refreshed.accessToken}` },
    });
    expect(me.status).toBe(200);

    // And again with the new one.
    const third = await oauth.refresh(refreshed.refreshToken!);
    expect(third.refreshToken).not.toBe(refreshed.refreshToken);
  });

  it("rejects a reused (rotated) refresh token and revokes its chain", async () => {
    const oauth = client();
    const tokens = await connect(oauth);
    const refreshed = await oauth.refresh(tokens.refreshToken!);

    const reuse = await partnerError(oauth.refresh(tokens.refreshToken!));
    expect(reuse).toMatchObject({ code: "invalid_grant", permanent: true, status: 400 });

    // Reuse detection: the newer token of the same chain is revoked too; reconnect.
    expect(await partnerError(oauth.refresh(refreshed.refreshToken!))).toMatchObject({
      code: "invalid_grant",
      permanent: true,
    });
    const me = await fetch(fake.meUrl, {
      headers: { Authorization: `Bearer ${refreshed.accessToken}` },
    });
    expect(me.status).toBe(401);
  });

  it("keeps the old refresh token when the CRM does not rotate", async () => {
    await fake.close();
    fake = await startFakeOAuthCrm({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      rotateRefreshTokens: false,
    });
    const oauth = client();
    const tokens = await connect(oauth);
    const refreshed = await oauth.refresh(tokens.refreshToken!);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
  });

  it("maps 5xx, temporarily_unavailable and timeouts to transient errors", async () => {
    const oauth = client({ timeoutMs: 200 });
    const tokens = await connect(oauth);

    fake.failNext(1, "http500");
    expect(await partnerError(oauth.refresh(tokens.refreshToken!))).toMatchObject({
      status: 500,
      permanent: false,
    });
    fake.failNext(1, "temporarily_unavailable");
    expect(await partnerError(oauth.refresh(tokens.refreshToken!))).toMatchObject({
      code: "temporarily_unavailable",
      permanent: false,
    });
    fake.failNext(1, "timeout");
    expect(await partnerError(oauth.refresh(tokens.refreshToken!))).toMatchObject({
      code: "TIMEOUT",
      permanent: false,
    });
    // None of those used the refresh token up.
    expect((await oauth.refresh(tokens.refreshToken!)).accessToken).toBeTruthy();
  });

  it("reports a denied authorization through the callback, with its state", async () => {
    const oauth = client();
    const start = oauth.startAuthorization();
    fake.denyNext();
    const callback = await followAuthorization(start.url);
    const parsed = parseAuthorizationCallback(callback.searchParams);
    expect(parsed).toMatchObject({ ok: false, error: "access_denied", state: start.state });
  });

  it("does not redirect to an unregistered redirect URI", async () => {
    const oauth = client({ redirectUri: "https://evil.example/callback" });
    const response = await fetch(oauth.startAuthorization().url, { redirect: "manual" });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });

  it("takes the expiry from the access token's JWT exp when expires_in is missing", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode("k".repeat(32)));
    const stubFetch: typeof fetch = async () =>
      new Response(JSON.stringify({ access_token: jwt, refresh_token: "rt_x" }), {
        status: 200,
        headers: { "Content-Type": "application/json" },
      });
    const oauth = client({ fetch: stubFetch });
    const tokens = await oauth.refresh("rt_old");
    expect(tokens.expiresAt!.getTime()).toBe(exp * 1000);
    expect(tokens.refreshToken).toBe("rt_x");
  });
});

describe("OAuth helpers", () => {
  it("computes the RFC 7636 S256 challenge", () => {
    // RFC 7636 Appendix B.
    expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("compares states in constant time and refuses missing ones", () => {
    expect(statesMatch("abc", "abc")).toBe(true);
    expect(statesMatch("abd", "abc")).toBe(false);
    expect(statesMatch("abcd", "abc")).toBe(false);
    expect(statesMatch(null, "abc")).toBe(false);
    expect(statesMatch("", "")).toBe(false);
  });

  it("reads a callback without a code as invalid_request", () => {
    expect(parseAuthorizationCallback({ state: "s" })).toEqual({
      ok: false,
      error: "invalid_request",
      errorDescription: "no code in the callback",
      state: "s",
    });
  });
});
