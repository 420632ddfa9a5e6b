import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.server";
import { businessMetrics } from "./business-metrics.server";
import { metrics, routeLabel } from "./metrics.server";
import { runWithRequestContext, traceIdFrom } from "./request-context.server";
import { apiError } from "~/app/api/errors.server";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createLogger("info", stream) };
}

describe("structured logs", () => {
  it("redact PII and secrets wherever they appear", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        ssn: "123-45-6789",
        customer: { date_of_birth: "1980-01-01", first_name: "John" },
        request: { headers: { authorization: "Bearer fp_live_abc" } },
        plaid: { access_token: "access-sandbox-123" },
        bank: { account: { account_number: "000123456789" } },
      },
      "event",
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of [
      "123-45-6789",
      "1980-01-01",
      "fp_live_abc",
      "access-sandbox-123",
      "000123456789",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("John");
    expect(lines[0]).toMatchObject({ level: "info", message: "event", service: "flowpay" });
  });

  it("carry the request id and trace id of the request being served", () => {
    const { lines, logger } = capture();
    runWithRequestContext(
      {
        requestId: "req_test1234",
        traceId: "a".repeat(32),
        startedAt: 0,
        method: "GET",
        path: "/",
      },
      () => logger.info("inside"),
    );
    expect(lines[0]).toMatchObject({ request_id: "req_test1234", trace_id: "a".repeat(32) });
  });
});

describe("trace ids", () => {
  it("continue a valid W3C traceparent and start fresh otherwise", () => {
    const id = "4bf92f3577b34da6a3ce929d0e0e4736";
    expect(traceIdFrom(`00-${id}-00f067aa0ba902b7-01`)).toBe(id);
    expect(traceIdFrom("garbage")).toMatch(/^[\da-f]{32}$/);
    expect(traceIdFrom(`00-${"0".repeat(32)}-00f067aa0ba902b7-01`)).not.toBe("0".repeat(32));
  });
});

describe("metric route labels", () => {
  it("collapse ids and tokens so random URLs cannot create unbounded series", () => {
    expect(routeLabel("/api/v1/crm/applications/app_01jq7x8m2k3n4p5q6r7s8t9v0w", 200)).toBe(
      "/api/v1/crm/applications/:id",
    );
    expect(routeLabel("/apply/Xk3v9LmQ2pR8sT1uV4wY6zA0bC", 200)).toBe("/apply/:token");
    expect(routeLabel("/build/entry.client-N6QKMJ27.js", 200)).toBe("/build/*");
    expect(routeLabel("/anything/at/all", 404)).toBe("unmatched");
    expect(routeLabel("/ops/login", 200)).toBe("/ops/login");
  });
});

describe("business counters", () => {
  it("are exposed on /metrics under their documented names, with their labels", async () => {
    businessMetrics.decisions.inc({ outcome: "approved", mode: "automatic" });
    businessMetrics.linksResent.inc();
    const text = await metrics.registry.metrics();
    for (const name of [
      "applications_created_total",
      "applications_canceled_total",
      "borrower_links_resent_total",
      "sms_messages_total",
      "sms_opt_outs_total",
      "api_idempotent_replays_total",
      "loans_created_total",
      "loans_funded_total",
      "loans_funded_amount_cents_total",
      "decisions_total",
      "partner_call_errors_total",
    ]) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(text).toMatch(/^decisions_total\{outcome="approved",mode="automatic"\} \d+$/m);
    expect(text).toMatch(/^borrower_links_resent_total \d+$/m);
  });
});

describe("API errors", () => {
  it("use docs/product/api.md's error shape with the request id", async () => {
    const response = runWithRequestContext(
      {
        requestId: "req_abcdefgh",
        traceId: "b".repeat(32),
        startedAt: 0,
        method: "POST",
        path: "/x",
      },
      () =>
        apiError("validation_failed", "customer.phone is not a valid US phone number", {
          details: [{ path: "customer.phone", message: "Invalid phone number" }],
        }),
    );
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({
      error: {
        code: "validation_failed",
        message: "customer.phone is not a valid US phone number",
        details: [{ path: "customer.phone", message: "Invalid phone number" }],
        request_id: "req_abcdefgh",
      },
    });
    expect(apiError("rate_limited", "slow down").status).toBe(429);
    expect(apiError("idempotency_conflict", "x").status).toBe(409);
  });
});
