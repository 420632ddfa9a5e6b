import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.server";
import { redactedTarget, routePattern, scrubSecretsInText } from "./redact-url";

const token = "Xk3v9LmQ2pR8sT1uV4wY6zA0bC_d-e";

describe("URLs in logs, spans and metrics (ADR 021)", () => {
  it("a borrower link's token becomes :token, whatever page or data request follows", () => {
    expect(routePattern(`/apply/${token}`)).toBe("/apply/:token");
    expect(routePattern(`/apply/${token}/details`)).toBe("/apply/:token/details");
    expect(routePattern(`/apply/${token}/details.data`)).toBe("/apply/:token/details.data");
    expect(routePattern(`/apply/${token}.data`)).toBe("/apply/:token.data");
    expect(routePattern(`/apply/${token}/agreement.pdf?x=1`)).toBe("/apply/:token/agreement.pdf");
    // Even a short or odd-looking token: the segment after /apply/ is always the credential.
    expect(routePattern("/apply/abc/consents")).toBe("/apply/:token/consents");
    expect(routePattern("/apply/%41bc%2Fdef/bank")).toBe("/apply/:token/bank");
  });

  it("ids become :id; plain route words stay", () => {
    expect(routePattern("/api/v1/crm/applications/app_01jq7x8m2k3n4p5q6r7s8t9v0w/resend")).toBe(
      "/api/v1/crm/applications/:id/resend",
    );
    expect(routePattern("/ops/applications")).toBe("/ops/applications");
    expect(routePattern("/")).toBe("/");
    expect(routePattern("/health?x=1")).toBe("/health");
  });

  it("query values are redacted unless allow-listed", () => {
    expect(
      redactedTarget("/api/v1/crm/fieldroutes/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz123"),
    ).toBe("/api/v1/crm/fieldroutes/callback?code=[redacted]&state=[redacted]");
    expect(redactedTarget("/ops/login?reason=expired&next=%2Fops%2Faudit")).toBe(
      "/ops/login?reason=expired&next=[redacted]",
    );
    expect(redactedTarget(`/apply/${token}/identity?inquiry-id=inq_123456789`)).toBe(
      "/apply/:token/identity?inquiry-id=[redacted]",
    );
    expect(redactedTarget(`/apply/${token}?index`)).toBe("/apply/:token?index");
    // An allow-listed name with a generated-looking value is redacted all the same.
    expect(redactedTarget(`/x?status=${token}`)).toBe("/x?status=[redacted]");
  });

  it("log text quoting a borrower link or a credential in a query is masked", () => {
    const text = `{"message":"sent https://flowpay.test/apply/${token}/details and /cb?code=abc&state=def&ok=1"}`;
    const scrubbed = scrubSecretsInText(text);
    expect(scrubbed).not.toContain(token);
    expect(scrubbed).not.toContain("abc");
    expect(scrubbed).not.toContain("def");
    expect(scrubbed).toContain("/apply/:token/details");
    expect(scrubbed).toContain("ok=1");
  });

  it("the logger applies it to every line, error stacks included", () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger("info", stream);
    logger.error(
      { err: new Error(`No route matches URL "/apply/${token}/nope"`), link: `/apply/${token}` },
      `failed https://x.test/oauth/callback?state=s3cr3t&code=c0de`,
    );
    const out = lines.join("");
    expect(out).not.toContain(token);
    expect(out).not.toContain("s3cr3t");
    expect(out).not.toContain("c0de");
    expect(out).toContain("/apply/:token");
  });
});
