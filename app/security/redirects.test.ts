import { describe, expect, it } from "vitest";
import { safeNext } from "~/app/ops/redirects";
import { safeRedirectPath } from "./redirects";

const origin = "https://flowpay.example";
const ops = (next: string | null) => safeNext(next, origin);

/** How a browser reads a Location header we send: resolved against the page's URL. */
const browserTarget = (location: string) => new URL(location, `${origin}/ops/verify`);

describe("redirect targets from user input (ADR 020)", () => {
  // Each of these has fooled a check on the raw string; every one must end on /ops.
  const attacks = [
    "/ops/../\\evil.example", // the reported one: `%2Fops%2F..%2F%5Cevil.example` decoded
    "/ops/..//evil.example",
    "/ops/../../evil.example",
    "/ops/%2e%2e/%2e%2e//evil.example",
    "/ops/%2E%2E//evil.example",
    "/ops/.%2e//evil.example",
    "/ops\\..\\..\\evil.example",
    "//evil.example/ops",
    "///evil.example/ops",
    "\\\\evil.example/ops",
    "\\/evil.example/ops",
    "/\\evil.example/ops",
    "/\t/evil.example/ops",
    "/\n/evil.example/ops",
    "/\r\n/evil.example/ops",
    "\t//evil.example/ops",
    " //evil.example/ops",
    "https://evil.example/ops",
    "http:evil.example/ops",
    "https:/evil.example/ops",
    "https://flowpay.example@evil.example/ops",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)//ops",
    "data:text/html,<script>alert(1)</script>",
    "/opsevil",
    "/ops.evil.example",
    "/ops%2F..%2F..%2Fevil.example",
    "/",
    "",
  ];
  for (const attack of attacks) {
    it(`keeps ${JSON.stringify(attack)} on our origin under /ops`, () => {
      const location = ops(attack);
      const target = browserTarget(location);
      expect(target.origin).toBe(origin);
      expect(target.pathname === "/ops" || target.pathname.startsWith("/ops/")).toBe(true);
      expect(location.startsWith("/ops")).toBe(true);
      expect(location).not.toMatch(/[\t\n\r\\]/);
    });
  }

  it("decodes the reported query string exactly as the router does, then refuses it", () => {
    const next = new URLSearchParams("next=%2Fops%2F..%2F%5Cevil.example").get("next");
    expect(ops(next)).toBe("/ops");
    expect(ops(new URLSearchParams("next=%2Fops%2F..%2F%2Fevil.example").get("next"))).toBe("/ops");
    expect(ops(new URLSearchParams("next=%09%2F%2Fevil.example").get("next"))).toBe("/ops");
  });

  it("keeps a good target, resolved (query kept, dot segments gone)", () => {
    expect(ops("/ops")).toBe("/ops");
    expect(ops("/ops/applications?status=review&q=rivera")).toBe(
      "/ops/applications?status=review&q=rivera",
    );
    expect(ops("/ops/reviews/../applications")).toBe("/ops/applications");
    expect(ops("/ops/a/%2e%2e/b")).toBe("/ops/b");
    expect(ops(`${origin}/ops/audit`)).toBe("/ops/audit");
  });

  it("without an origin, no absolute URL is accepted", () => {
    expect(safeNext("https://flowpay.example/ops/audit")).toBe("/ops");
    expect(safeNext("/ops/audit")).toBe("/ops/audit");
  });

  it("works for any base path and fallback", () => {
    const opts = { under: "/apply/tok", fallback: "/apply/tok", origin };
    expect(safeRedirectPath("/apply/tok/details", opts)).toBe("/apply/tok/details");
    expect(safeRedirectPath("/apply/tok/../other", opts)).toBe("/apply/tok");
    expect(safeRedirectPath(null, opts)).toBe("/apply/tok");
  });
});
