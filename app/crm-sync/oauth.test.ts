/**
 * The OAuth 2.0 connector (authorization code + PKCE) end to end against a local fake OAuth CRM
 * that is strict where real ones are (single-use codes, PKCE, rotating refresh tokens with reuse
 * detection): start → the CRM's redirect → our callback route → encrypted tokens that work;
 * state single-use and bound to the operator's session; refresh before expiry, one at a time.
 */
import { startFakeOAuthCrm } from "~/adapters/oauth/fake-oauth-server";

process.env.APP_URL = "https://flowpay.test";
const redirectUri = "https://flowpay.test/api/v1/crm/fieldroutes/callback";
const clientId = "flowpay-jobber-client";
const clientSecret = "flowpay-jobber-secret-0123456789";
const fake = await startFakeOAuthCrm({
  clientId,
  clientSecret,
  redirectUris: [redirectUri],
  scopes: ["clients.read", "jobs.write"],
});
process.env.CRM_OAUTH_PROVIDERS = JSON.stringify([
  {
    crm: "jobber",
    authorizeUrl: fake.authorizeUrl,
    tokenUrl: fake.tokenUrl,
    clientId,
    clientSecret,
    scopes: ["clients.read", "jobs.write"],
  },
]);

const { appDatabase, callRoute, createMerchant } = await import("~/scripts/testing/app-harness");
const { startOAuthConnection, completeOAuthCallback } = await import("./oauth.server");
const { refreshIfNeeded, refreshExpiringConnections, withAccessToken } =
  await import("./oauth-tokens.server");
const { sessionCookie } = await import("~/app/ops/session.server");
const { getCipher } = await import("~/app/security/encryption.server");
const callbackRoute = await import("~/app/routes/api.v1.crm.fieldroutes.callback");

import { and, eq, ne } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { crmConnections, oauthStates, operators, operatorSessions } from "~/db/schema/index";

const database = await appDatabase();
const merchant = await createMerchant({ name: "Green Lawns" });
afterAll(() => fake.close());

/** An admin signed in (password and TOTP done), made directly in the database. */
async function signedIn() {
  const operatorId = newId("op");
  const sessionId = newId("ses");
  const now = Date.now();
  await database.write(async (tx) => {
    await tx.insert(operators).values({
      id: operatorId,
      email: `${operatorId}@flowpay.test`,
      name: "Ops Admin",
      role: "admin",
      passwordHash: "unused",
    });
    await tx.insert(operatorSessions).values({
      id: sessionId,
      operatorId,
      mfaVerifiedAt: new Date(now),
      lastSeenAt: new Date(now),
      expiresAt: new Date(now + 3600_000),
    });
  });
  const cookie = (await sessionCookie().serialize(sessionId)).split(";")[0]!;
  return { operatorId, sessionId, cookie };
}

/** The operator's browser at the CRM: it approves and is redirected to our callback. */
async function authorize(url: string) {
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get("location")!);
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  return `${location.pathname}${location.search}`;
}

function callback(path: string, cookie?: string) {
  return callRoute(callbackRoute, { path, headers: cookie ? { Cookie: cookie } : {} });
}

async function connection() {
  return database.db
    .select()
    .from(crmConnections)
    .where(
      and(
        eq(crmConnections.merchantId, merchant.id),
        eq(crmConnections.crm, "jobber"),
        ne(crmConnections.status, "disconnected"),
      ),
    )
    .get();
}

const tokenGrants = (grant: string) =>
  fake.requests.filter((r) => r.path === "/token" && r.form.grant_type === grant);

describe("connecting an OAuth CRM", () => {
  it("runs code + PKCE through our callback and stores working tokens, encrypted", async () => {
    const operator = await signedIn();
    const { url } = await startOAuthConnection(database, {
      ...operator,
      merchantId: merchant.id,
      crm: "jobber",
    });
    const authorizeUrl = new URL(url);
    expect(authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizeUrl.searchParams.get("redirect_uri")).toBe(redirectUri);
    // Only a hash of the state is stored; the verifier is encrypted.
    const state = authorizeUrl.searchParams.get("state")!;
    const pending = await database.db.select().from(oauthStates).all();
    expect(JSON.stringify(pending)).not.toContain(state);

    const path = await authorize(url);
    const response = await callback(path, operator.cookie);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(
      `/ops/merchants/${merchant.id}?crm=jobber&oauth=connected`,
    );
    const row = (await connection())!;
    expect(row).toMatchObject({ authKind: "oauth", status: "connected" });
    expect(row.accessTokenEnc).toMatch(/^v1\./);
    const accessToken = getCipher().decrypt(row.accessTokenEnc!, "crm_connections.access_token");
    const me = await fetch(fake.meUrl, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect(tokenGrants("authorization_code")).toHaveLength(1);

    // The same callback again (a reload, or an attacker replaying it): refused, nothing done.
    const replay = await callback(path, operator.cookie);
    expect(replay.status).toBe(400);
    expect(tokenGrants("authorization_code")).toHaveLength(1);
  });

  it("refuses a state started in another session, without burning it for its owner", async () => {
    const owner = await signedIn();
    const other = await signedIn();
    const { url } = await startOAuthConnection(database, {
      ...owner,
      merchantId: merchant.id,
      crm: "jobber",
    });
    const path = await authorize(url);
    expect((await callback(path, other.cookie)).status).toBe(400);
    expect((await callback(path, owner.cookie)).status).toBe(302);
  });

  it("sends a signed-out browser to the login page and refuses an expired state", async () => {
    const operator = await signedIn();
    const { url } = await startOAuthConnection(database, {
      ...operator,
      merchantId: merchant.id,
      crm: "jobber",
    });
    const path = await authorize(url);
    const signedOut = await callback(path);
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get("location")).toMatch(/^\/ops\/login\?/);

    const later = new Date(Date.now() + 11 * 60_000);
    const result = await completeOAuthCallback(
      database,
      { ...operator, searchParams: new URL(path, "https://flowpay.test").searchParams },
      later,
    );
    expect(result).toEqual({ kind: "refused" });
  });

  it("brings the operator back with 'denied' when they refuse at the CRM", async () => {
    const operator = await signedIn();
    fake.denyNext();
    const { url } = await startOAuthConnection(database, {
      ...operator,
      merchantId: merchant.id,
      crm: "jobber",
    });
    const response = await callback(await authorize(url), operator.cookie);
    expect(response.headers.get("location")).toBe(
      `/ops/merchants/${merchant.id}?crm=jobber&oauth=denied`,
    );
  });
});

describe("a 401 from the CRM's API", () => {
  it("refreshes the token once and repeats the call, instead of failing for good", async () => {
    const row = (await connection())!;
    await refreshIfNeeded(database, row.id); // a current token, not due for a refresh
    fake.expireAccessTokens(); // the CRM revoked it (or its clock is ahead of ours)
    const before = tokenGrants("refresh_token").length;
    const statuses: number[] = [];
    const answer = await withAccessToken(database, row.id, async (token) => {
      const response = await fetch(fake.meUrl, { headers: { Authorization: `Bearer ${token}` } });
      statuses.push(response.status);
      if (response.status === 401) throw Object.assign(new Error("401"), { status: 401 });
      return response.status;
    });
    expect(answer).toBe(200);
    expect(statuses).toEqual([401, 200]);
    expect(tokenGrants("refresh_token").length - before).toBe(1);
    expect((await connection())?.status).not.toBe("error");
  });
});

describe("refreshing before expiry", () => {
  it("the poll job refreshes the tokens that would expire before its next run", async () => {
    const before = tokenGrants("refresh_token").length;
    expect(await refreshExpiringConnections(database, { horizonMs: 60_000 })).toEqual({
      refreshed: 0,
      failed: 0,
    });
    expect(await refreshExpiringConnections(database, { horizonMs: 2 * 3600_000 })).toEqual({
      refreshed: 1,
      failed: 0,
    });
    expect(tokenGrants("refresh_token").length - before).toBe(1);
  });

  it("refreshes once for concurrent callers, stores the rotated pair, and marks a revoked chain", async () => {
    const row = (await connection())!;
    const fresh = await refreshIfNeeded(database, row.id);
    expect(fresh.refreshed).toBe(false);

    // The access token expires in a minute: inside the 5-minute margin.
    const expiringSoon = () =>
      database.write((tx) =>
        tx
          .update(crmConnections)
          .set({ tokenExpiresAt: new Date(Date.now() + 60_000) })
          .where(eq(crmConnections.id, row.id)),
      );
    await expiringSoon();
    const before = tokenGrants("refresh_token").length;
    const [a, b] = await Promise.all([
      refreshIfNeeded(database, row.id),
      refreshIfNeeded(database, row.id),
    ]);
    // The second caller waited for the first and found a token that is no longer about to expire.
    expect(tokenGrants("refresh_token").length - before).toBe(1);
    expect([a.refreshed, b.refreshed].sort()).toEqual([false, true]);
    expect(a.accessToken).toBe(b.accessToken);
    const me = await fetch(fake.meUrl, { headers: { Authorization: `Bearer ${a.accessToken}` } });
    expect(me.status).toBe(200);
    const rotated = (await connection())!;
    expect(rotated.refreshTokenEnc).not.toBe(row.refreshTokenEnc);

    // The retired refresh token comes back (a restored backup, a lost race in another process):
    // the CRM revokes the chain; the connection is marked for an operator, never retried in a loop.
    await database.write((tx) =>
      tx
        .update(crmConnections)
        .set({ refreshTokenEnc: row.refreshTokenEnc })
        .where(eq(crmConnections.id, row.id)),
    );
    await expiringSoon();
    await expect(refreshIfNeeded(database, row.id)).rejects.toMatchObject({
      permanent: true,
      code: "invalid_grant",
    });
    expect((await connection())?.status).toBe("error");
    await expect(refreshIfNeeded(database, row.id)).rejects.toThrow(/reconnected/);
  });
});
