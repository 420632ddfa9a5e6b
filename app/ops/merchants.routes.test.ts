/**
 * The merchant page's OAuth CRM connection, through its loader and action and the callback route,
 * against the local fake OAuth CRM: the button sends the operator's browser to the CRM, the
 * callback brings them back to the page, which says so and lists the connection; and revoking a
 * key, which asks for confirmation first (issue 18).
 */
import { startFakeOAuthCrm } from "~/adapters/oauth/fake-oauth-server";

process.env.APP_URL = "https://flowpay.test";
const clientId = "flowpay-jobber-client";
const clientSecret = "flowpay-jobber-secret-0123456789";
const fake = await startFakeOAuthCrm({
  clientId,
  clientSecret,
  redirectUris: ["https://flowpay.test/api/v1/crm/fieldroutes/callback"],
  scopes: ["clients.read"],
});
process.env.CRM_OAUTH_PROVIDERS = JSON.stringify([
  {
    crm: "jobber",
    authorizeUrl: fake.authorizeUrl,
    tokenUrl: fake.tokenUrl,
    clientId,
    clientSecret,
    scopes: ["clients.read"],
  },
]);

const { appDatabase, callRoute, createMerchant } = await import("~/scripts/testing/app-harness");
const { callOps, signedInOperator, statusOf } = await import("~/scripts/testing/ops-harness");
const merchantRoute = await import("~/app/routes/ops.merchants.$merchantId");
const callbackRoute = await import("~/app/routes/api.v1.crm.fieldroutes.callback");

import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { auditLogs } from "~/db/schema/index";

afterAll(() => fake.close());

describe("connecting a merchant to an OAuth CRM from its page", () => {
  it("goes to the CRM and back, and the page shows the connection", async () => {
    const database = await appDatabase();
    const merchant = await createMerchant({ name: "Green Lawns" });
    const admin = await signedInOperator("admin");
    const page = `/ops/merchants/${merchant.id}`;
    const params = { merchantId: merchant.id };

    const before = (await callOps(merchantRoute, { path: page, params, cookie: admin.cookie })) as {
      oauth: { crms: string[]; error: string | null };
      connections: unknown[];
    };
    expect(before.oauth).toEqual({ crms: ["jobber"], error: null });
    expect(before.connections).toEqual([]);

    const started = (await callOps(merchantRoute, {
      path: page,
      params,
      cookie: admin.cookie,
      form: { intent: "crm-oauth-start", crm: "jobber" },
    })) as Response;
    expect(started.status).toBe(302);
    const location = started.headers.get("location")!;
    expect(location.startsWith(fake.authorizeUrl)).toBe(true);
    const [audit] = await database.db
      .select()
      .from(auditLogs)
      .where(
        and(eq(auditLogs.action, "crm_connection.oauth_start"), eq(auditLogs.actorId, admin.id)),
      );
    expect(audit).toMatchObject({ entityId: merchant.id, userAgent: "vitest" });

    // The CRM approves and sends the browser to our callback, in the same session.
    const approved = await fetch(location, { redirect: "manual" });
    const back = new URL(approved.headers.get("location")!);
    const callback = await callRoute(callbackRoute, {
      path: `${back.pathname}${back.search}`,
      headers: { Cookie: admin.cookie },
    });
    expect(callback.headers.get("location")).toBe(`${page}?crm=jobber&oauth=connected`);

    const after = (await callOps(merchantRoute, {
      path: `${page}?crm=jobber&oauth=connected`,
      params,
      cookie: admin.cookie,
    })) as { notice: string; connections: { crm: string; authKind: string; status: string }[] };
    expect(after.notice).toBe("jobber connected: its tokens are stored encrypted.");
    expect(after.connections).toMatchObject([
      { crm: "jobber", authKind: "oauth", status: "connected" },
    ]);
  });

  it("refuses a CRM that is not configured, and operators without the permission", async () => {
    const merchant = await createMerchant({ name: "Blue Pools" });
    const admin = await signedInOperator("admin");
    const support = await signedInOperator("support");
    const call = (cookie: string) =>
      callOps(merchantRoute, {
        path: `/ops/merchants/${merchant.id}`,
        params: { merchantId: merchant.id },
        cookie,
        form: { intent: "crm-oauth-start", crm: "housecall" },
      });
    expect(await call(admin.cookie)).toEqual({
      crmError: "housecall is not configured for OAuth",
    });
    expect(statusOf(await call(support.cookie))).toBe(403);
  });
});

describe("revoking a merchant's API key from its page", () => {
  it("asks first, saying which key and what happens, and revokes only when confirmed", async () => {
    const merchant = await createMerchant({ name: "Blue Ridge Termite" });
    const admin = await signedInOperator("admin");
    const path = `/ops/merchants/${merchant.id}`;
    const post = (form: Record<string, string>) =>
      callOps(merchantRoute, {
        path,
        params: { merchantId: merchant.id },
        cookie: admin.cookie,
        form,
      });
    const state = async () =>
      (
        (await callOps(merchantRoute, {
          path,
          params: { merchantId: merchant.id },
          cookie: admin.cookie,
        })) as { keys: { id: string; state: string }[] }
      ).keys.find((k) => k.id === merchant.keyId)!.state;

    const asked = (await post({ intent: "revoke-key", keyId: merchant.keyId })) as {
      confirmRevoke: { keyId: string; prefix: string; mode: string } | undefined;
    };
    expect(asked.confirmRevoke).toMatchObject({ keyId: merchant.keyId, mode: "test" });
    expect(await state()).toBe("active");

    const revoked = await post({ intent: "revoke-key", keyId: merchant.keyId, confirm: "yes" });
    expect(statusOf(revoked)).toBe(302);
    expect(await state()).toBe("revoked");
    // Asking again about a revoked key is a 409 that says so, not a second confirmation.
    const again = await post({ intent: "revoke-key", keyId: merchant.keyId });
    expect(statusOf(again)).toBe(409);
    expect((again as { keyError: string }).keyError).toMatch(/revoked already/);
  });
});
