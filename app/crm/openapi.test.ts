import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apiHandler } from "~/app/api/route.server";
import { openApiDocument } from "./openapi.server";

describe("the OpenAPI document", () => {
  const doc = openApiDocument("https://flowpay.test");

  it("is OpenAPI 3.1 and documents every /api/v1 route file", () => {
    expect(doc.openapi).toBe("3.1.0");
    const routeFiles = readdirSync("app/routes").filter(
      (f) =>
        f.startsWith("api.v1.") &&
        !f.includes("$.") &&
        !f.includes("openapi") &&
        !f.endsWith(".test.ts"),
    );
    const documented = Object.keys(doc.paths);
    for (const file of routeFiles) {
      const path =
        "/" +
        file
          .replace(/\.tsx?$/, "")
          .split(".")
          .map((segment) =>
            segment.startsWith("$")
              ? `{${segment.slice(1).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}}`
              : segment,
          )
          .join("/");
      expect(documented, `${file} is not in the OpenAPI document`).toContain(path);
    }
  });

  it("derives the request schema from the zod schema that validates requests", () => {
    const request = doc.components.schemas.OfferFinancingRequest as {
      required: string[];
      properties: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
      additionalProperties: boolean;
    };
    expect(request.required).toEqual(
      expect.arrayContaining(["crm", "crm_customer_id", "customer", "job"]),
    );
    // send_sms has a default, so a caller may leave it out.
    expect(request.required).not.toContain("send_sms");
    expect(request.additionalProperties).toBe(false);
    expect(request.properties.job?.required).toEqual(
      expect.arrayContaining(["crm_job_id", "estimate_cents"]),
    );
    const error = doc.components.schemas.Error as { properties: { error: { required: string[] } } };
    expect(error.properties.error.required).toEqual(
      expect.arrayContaining(["code", "message", "request_id"]),
    );
  });
});

describe("the API reference tells CRMs how to behave (ADR 026–028)", () => {
  const doc = openApiDocument("https://flowpay.test") as unknown as {
    paths: Record<string, Record<string, Json>>;
  };
  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("offer-financing: one open application per job (200 duplicate, supersede, 409 signed) and sms_status", () => {
    const post = doc.paths["/api/v1/crm/offer-financing"]!.post!;
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(["200", "201", "409"]));
    expect(post.description).toMatch(/One open application per CRM job/);
    expect(post.description).toMatch(/supersedes/);
    expect(post.description).toMatch(/409 invalid_state/);
    expect(post.description).toMatch(/suppressed_opted_out/);
    expect(post.description).toMatch(/link_created/);
  });

  it("the status resource: ETag, If-None-Match, a free 304, the read budget, and webhooks", () => {
    const get = doc.paths["/api/v1/crm/applications/{application_id}"]!.get!;
    expect(get.parameters.map((p: Json) => p.name)).toContain("If-None-Match");
    expect(get.responses["304"]).toBeDefined();
    expect(get.responses["200"].headers.ETag).toBeDefined();
    expect(get.description).toMatch(/CRM_READ_RATE_LIMIT_PER_MINUTE/);
    expect(get.description).toMatch(/[Ww]ebhooks/);
  });
});

describe("the API route wrapper", () => {
  it("answers a bug with docs/product/api.md's 500, without a stack trace or the error's text", async () => {
    const handler = apiHandler(async () => {
      throw new Error("SELECT secret FROM somewhere failed at /work/main/app/x.ts:12");
    });
    const response = await handler({ request: new Request("https://flowpay.test/api/v1/x") });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).error.code).toBe("internal");
    expect(text).not.toMatch(/secret|\.ts:\d+/);
  });
});
