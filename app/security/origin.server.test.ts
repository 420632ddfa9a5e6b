import { describe, expect, it } from "vitest";
import { checkOrigin, crossSiteRefusal } from "./origin.server";

const post = (origin: string | null, host = "flowpay.test", forwardedHost?: string) => ({
  method: "POST",
  origin,
  host,
  forwardedHost,
});

describe("the Origin policy of state-changing requests (ADR 022)", () => {
  it("accepts our own origin, and no Origin at all (server-to-server callers)", () => {
    expect(checkOrigin(post("https://flowpay.test"), false)).toEqual({ ok: true, origin: "same" });
    expect(checkOrigin(post("http://FlowPay.test"), false)).toMatchObject({ ok: true });
    expect(checkOrigin(post(null), false)).toEqual({ ok: true, origin: "absent" });
    expect(checkOrigin({ ...post("https://evil.example"), method: "GET" }, false).ok).toBe(true);
  });

  it("refuses foreign, null and malformed origins without throwing", () => {
    const cases: Array<[string, string]> = [
      ["https://evil.example", "foreign_origin"],
      ["https://flowpay.test.evil.example", "foreign_origin"],
      ["https://flowpay.test:8443", "foreign_origin"],
      ["null", "null_origin"],
      ["http://[", "malformed_origin"],
      ["not a url", "malformed_origin"],
      ["javascript:alert(1)", "malformed_origin"],
      ["file:///etc/passwd", "malformed_origin"],
    ];
    for (const [origin, reason] of cases) {
      expect(checkOrigin(post(origin), false), origin).toEqual({ ok: false, reason });
    }
    for (const method of ["PUT", "PATCH", "DELETE", "post"]) {
      expect(checkOrigin({ ...post("https://evil.example"), method }, false).ok).toBe(false);
    }
  });

  it("believes X-Forwarded-Host only behind a trusted proxy", () => {
    const spoofed = post("https://evil.example", "flowpay.test", "evil.example");
    expect(checkOrigin(spoofed, false)).toEqual({ ok: false, reason: "foreign_origin" });
    expect(checkOrigin(spoofed, true)).toEqual({ ok: true, origin: "same" });
    const proxied = post("https://pay.example.com", "10.0.0.5:3000", "pay.example.com, 10.0.0.1");
    expect(checkOrigin(proxied, true)).toMatchObject({ ok: true });
    expect(checkOrigin(proxied, false)).toMatchObject({ ok: false });
  });

  it("answers the API with its JSON error and pages with an HTML page", async () => {
    const api = crossSiteRefusal("/api/v1/crm/offer-financing");
    expect(api.status).toBe(403);
    expect(api.headers.get("content-type")).toContain("application/json");
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    const page = crossSiteRefusal("/ops/login");
    expect(page.status).toBe(403);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("refused");
  });
});
