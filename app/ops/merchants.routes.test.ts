/**
 * The merchant page's OAuth CRM connection, through its loader and action and the callback route,
 * against the local fake OAuth CRM: the button sends the operator's browser to the CRM, the
 * callback brings them back to the page, which says so and lists the connection.
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
