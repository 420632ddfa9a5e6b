import { appDatabase, callRoute, createMerchant, jsonHeaders } from "~/scripts/testing/app-harness";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import * as apiRoute from "~/app/routes/api.v1.crm.as-low-as";
import * as widgetRoute from "~/app/routes/widgets.as-low-as.$merchantSlug";
import * as welcomeRoute from "~/app/routes/apply.$token._index";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let merchant: Awaited<ReturnType<typeof createMerchant>>;
let small: Awaited<ReturnType<typeof createMerchant>>;
beforeAll(async () => {
  await ensureDecisioningDefaults(await appDatabase());
  merchant = await createMerchant({ name: "Acme <Pest> Control" });
  small = await createMerchant({ name: "Small Jobs", maxAmountCents: 500_000 });
});

const api = (key: string, query: string) =>
  callRoute(apiRoute, { path: `/api/v1/crm/as-low-as${query}`, headers: jsonHeaders(key) });
const widget = (slug: string, query: string) =>
  callRoute(widgetRoute, {
    path: `/widgets/as-low-as/${slug}${query}`,
    params: { merchantSlug: slug },
  });

describe("GET /api/v1/crm/as-low-as", () => {
  it("prices an estimate with its disclosure and ranges", async () => {
    const response = await api(merchant.key, "?amount_cents=750000");
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body).toMatchObject({ amount_cents: 750000, term_months: 36 });
    expect(body.monthly_payment_cents).toBeGreaterThan(20_000);
    expect(body.monthly_payment_cents).toBeLessThan(26_000);
    expect(Number(body.apr_range.min)).toBeLessThanOrEqual(Number(body.apr));
    expect(body.term_range_months.max).toBeGreaterThanOrEqual(36);
    expect(body.disclosure).toContain("Subject to credit approval");
    expect(body.disclosure).toContain(`${body.apr}% APR`);
  });

  it("refuses a missing, malformed or unfinanceable amount with the error shape", async () => {
    for (const query of [
      "",
      "?amount_cents=",
      "?amount_cents=12.5",
      "?amount_cents=-1",
      "?amount_cents=1e6",
    ]) {
      const response = await api(merchant.key, query);
      expect(response.status, query).toBe(422);
      const body = (await response.json()) as Json;
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details[0].path).toBe("amount_cents");
    }
    const tooBig = await api(small.key, "?amount_cents=900000");
    expect(tooBig.status).toBe(422);
    expect(((await tooBig.json()) as Json).error.message).toContain("between 50000 and 500000");
  });

  it("needs an API key", async () => {
    const response = await callRoute(apiRoute, {
      path: "/api/v1/crm/as-low-as?amount_cents=750000",
    });
    expect(response.status).toBe(401);
  });
});

describe("GET /widgets/as-low-as/{merchant_slug}", () => {
  it("is a framable, cacheable, script-free page with the price and its disclosure", async () => {
    const response = await widget(merchant.slug, "?amount_cents=750000");
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors *");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-frame-options")).toBeNull();
    const html = await response.text();
    expect(html).toMatch(/As low as <strong>\$[\d,]+\.\d\d\/mo<\/strong> for 36 months/);
    expect(html).toContain("Subject to credit approval");
    expect(html).not.toContain("<script");
    // The merchant's name is text, never markup.
    expect(html).toContain("Acme &#60;Pest&#62; Control");
  });

  it("the inline style is the one the CSP hash allows", async () => {
    const response = await widget(merchant.slug, "?amount_cents=750000");
    const html = await response.text();
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256").update(style).digest("base64");
    expect(response.headers.get("content-security-policy")).toContain(`'sha256-${hash}'`);
  });

  it("shows the financeable range without a payment when the amount is outside it", async () => {
    const response = await widget(small.slug, "?amount_cents=900000");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("from $500.00 to $5,000.00");
    expect(html).not.toContain("/mo");
  });

  it("an unknown merchant or a bad amount says so without a price", async () => {
    expect((await widget("no-such-merchant", "?amount_cents=750000")).status).toBe(404);
    expect((await widget("../etc", "?amount_cents=750000")).status).toBe(404);
    const bad = await widget(merchant.slug, "?amount_cents=abc");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("whole number of cents");
  });
});

describe("the borrower's start page", () => {
  it("shows the estimate's 'as low as' payment with its disclosure, the same as the API", async () => {
    const { offerFinancing } = await import("~/scripts/testing/borrower-harness");
    const { token } = await offerFinancing(merchant.key);
    const page = (await welcomeRoute.loader({
      request: new Request(`https://flowpay.test/apply/${token}`),
      params: { token },
      context: {},
    })) as {
      amountCents: number;
      asLowAs: { monthlyPaymentCents: number; termMonths: number; disclosure: string } | null;
    };
    const priced = (await (
      await api(merchant.key, `?amount_cents=${page.amountCents}`)
    ).json()) as Json;
    expect(page.asLowAs).toEqual({
      monthlyPaymentCents: priced.monthly_payment_cents,
      termMonths: priced.term_months,
      disclosure: priced.disclosure,
    });
  });
});
