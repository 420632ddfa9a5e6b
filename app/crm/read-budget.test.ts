// Small budgets, set before the harness reads the configuration: 2 writes and 5 reads a minute.
process.env.CRM_RATE_LIMIT_PER_MINUTE = "2";
process.env.CRM_READ_RATE_LIMIT_PER_MINUTE = "5";
// Each test its own client address (X-Forwarded-For), so their per-address budgets stay apart.
process.env.TRUST_PROXY = "true";
const { callRoute, createMerchant, jsonHeaders } = await import("~/scripts/testing/app-harness");
const offerRoute = await import("~/app/routes/api.v1.crm.offer-financing");
const getRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId");
const resendRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId.resend");
const { requireCrmCaller } = await import("./guard.server");
const { ApiFailure } = await import("~/app/api/body.server");

import { describe, expect, it } from "vitest";

/**
 * A CRM polling one application's status (ADR 028): reads have their own, larger budget than
 * writes, and a conditional read answered `304 Not Modified` costs none of it.
 */
describe("polling the status resource", () => {
  it("reads have their own budget, 304s are free, and the ETag follows every change", async () => {
    const merchant = await createMerchant();
    const headers = (extra: Record<string, string> = {}) =>
      jsonHeaders(merchant.key, { "X-Forwarded-For": "203.0.113.1", ...extra });
    const offer = (job: string) =>
      callRoute(offerRoute, {
        method: "POST",
        path: "/api/v1/crm/offer-financing",
        headers: headers(),
        body: JSON.stringify({
          crm: "fieldroutes",
          crm_customer_id: "FR-POLL",
          customer: { first_name: "Pat", last_name: "Lee", phone: "+15125550161" },
          job: { crm_job_id: job, estimate_cents: 200000 },
        }),
      });
    const created = (await (await offer("J-POLL")).json()) as { application_id: string };
    const id = created.application_id;
    const get = (extra: Record<string, string> = {}) =>
      callRoute(getRoute, {
        path: `/api/v1/crm/applications/${id}`,
        params: { applicationId: id },
        headers: headers(extra),
      });

    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("5");
    expect(first.headers.get("ratelimit-remaining")).toBe("4");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);

    // Polling with the ETag: 304, no body, and the read budget untouched — far past its size.
    for (let i = 0; i < 8; i++) {
      const unchanged = await get({ "If-None-Match": etag });
      expect(unchanged.status).toBe(304);
      expect(await unchanged.text()).toBe("");
      expect(unchanged.headers.get("etag")).toBe(etag);
      expect(unchanged.headers.get("ratelimit-remaining")).toBe("4");
    }
    expect((await get({ "If-None-Match": `W/${etag}, "other"` })).status).toBe(304);

    // A change (a new link, a new text): a new ETag, the full body again.
    const resend = await callRoute(resendRoute, {
      method: "POST",
      path: `/api/v1/crm/applications/${id}/resend`,
      params: { applicationId: id },
      headers: headers(),
    });
    expect(resend.status).toBe(202);
    const changed = await get({ "If-None-Match": etag });
    expect(changed.status).toBe(200);
    const newEtag = changed.headers.get("etag")!;
    expect(newEtag).not.toBe(etag);
    expect(changed.headers.get("ratelimit-remaining")).toBe("3");

    // The writes are spent (2 a minute): another offer is refused, reads go on.
    expect((await offer("J-POLL-2")).status).toBe(429);
    expect((await get()).status).toBe(200);
    expect((await get()).headers.get("ratelimit-remaining")).toBe("1");
    expect((await get()).status).toBe(200);
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Even with the read budget spent, an unchanged status still answers 304.
    expect((await get({ "If-None-Match": newEtag })).status).toBe(304);

    // …but a client looping on 304s meets a cap of its own, ten times the read budget (50 a
    // minute, 10 used above).
    const more: number[] = [];
    for (let i = 0; i < 45; i++) more.push((await get({ "If-None-Match": newEtag })).status);
    expect(more.filter((status) => status === 304)).toHaveLength(40);
    expect(more.at(-1)).toBe(429);
  });

  it("any other read is charged before its route runs (a route cannot forget to)", async () => {
    const merchant = await createMerchant();
    const read = () =>
      requireCrmCaller(
        new Request("https://flowpay.test/api/v1/crm/anything", {
          headers: jsonHeaders(merchant.key, { "X-Forwarded-For": "203.0.113.2" }),
        }),
      );
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) remaining.push((await read()).rateHeaders["RateLimit-Remaining"]!);
    expect(remaining).toEqual(["4", "3", "2", "1", "0"]);
    const refused = await read().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiFailure);
    expect((refused as InstanceType<typeof ApiFailure>).response.status).toBe(429);
  });
});
