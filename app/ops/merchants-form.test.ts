import { describe, expect, it } from "vitest";
import { parseMerchantForm } from "./merchants-form.server";

function form(fields: Record<string, string>) {
  const data = new FormData();
  const base = {
    name: "Greenway Landscaping",
    slug: "greenway",
    minAmount: "500",
    maxAmount: "25000",
    pricingPlan: "standard",
    merchantFee: "3",
    disbursementAccount: "000123456789",
  };
  for (const [key, value] of Object.entries({ ...base, ...fields })) data.set(key, value);
  return data;
}

const parse = (fields: Record<string, string>, mode: "create" | "update" = "create") =>
  parseMerchantForm(form(fields), { mode, plans: ["standard"] });

describe("the merchant form's funding mode and progress payment (ADR 050)", () => {
  it("reads when the merchant is paid and the share paid at signature", () => {
    expect(parse({ fundingMode: "on_completion", upfrontRelease: "40" })).toMatchObject({
      ok: true,
      value: { fundingMode: "on_completion", upfrontReleaseBps: 4_000 },
    });
    expect(parse({ fundingMode: "on_signature", upfrontRelease: "0" })).toMatchObject({
      ok: true,
      value: { fundingMode: "on_signature", upfrontReleaseBps: 0 },
    });
  });

  it("leaves them to the defaults (create) or unchanged (update) when the form omits them", () => {
    const omitted = parse({});
    expect(omitted.ok).toBe(true);
    expect(omitted.ok && omitted.value.fundingMode).toBeUndefined();
    expect(omitted.ok && omitted.value.upfrontReleaseBps).toBeUndefined();
  });

  it("refuses more than half at signature, a progress payment on signature, and unknown modes", () => {
    expect(parse({ fundingMode: "on_completion", upfrontRelease: "50.01" })).toMatchObject({
      ok: false,
      errors: { upfrontRelease: expect.stringContaining("0 to 50.00") },
    });
    expect(parse({ fundingMode: "on_signature", upfrontRelease: "10" })).toMatchObject({
      ok: false,
      errors: { upfrontRelease: expect.stringContaining("on completion") },
    });
    expect(parse({ fundingMode: "whenever" })).toMatchObject({
      ok: false,
      errors: { fundingMode: "Choose when the merchant is paid" },
    });
  });
});
