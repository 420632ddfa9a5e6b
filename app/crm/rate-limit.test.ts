// A limit of 3 a minute (reads and writes), set before the harness reads the configuration.
process.env.CRM_RATE_LIMIT_PER_MINUTE = "3";
process.env.CRM_READ_RATE_LIMIT_PER_MINUTE = "3";
const { callRoute, createMerchant, jsonHeaders } = await import("~/scripts/testing/app-harness");
const getRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId");

import { describe, expect, it } from "vitest";

describe("CRM API rate limits", () => {
  it("answers 429 rate_limited with Retry-After and RateLimit-* headers once a key is over its limit", async () => {
    const merchant = await createMerchant();
    const get = () =>
      callRoute(getRoute, {
        path: "/api/v1/crm/applications/app_00000000000000000000000000",
        params: { applicationId: "app_00000000000000000000000000" },
        headers: jsonHeaders(merchant.key),
      });
    const remaining: string[] = [];
    for (let i = 0; i < 2; i++) remaining.push((await get()).headers.get("ratelimit-remaining")!);
    expect(remaining).toEqual(["2", "1"]);
    await get();
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("ratelimit-limit")).toBe("3");
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    const json = (await limited.json()) as { error: { code: string } };
    expect(json.error.code).toBe("rate_limited");
  });
});
