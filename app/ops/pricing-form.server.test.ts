import { describe, expect, it } from "vitest";
import { defaultPricingTable } from "~/app/decisioning/default-pricing";
import { problemField, type PricingFormValue } from "./pricing-form";
import { parsePricingForm, readPercent, tableToFormValue } from "./pricing-form.server";
import { pricingFormEntries } from "./testing";

/** The form as a browser posts it. */
function formData(value: PricingFormValue, extra: Record<string, string> = {}) {
  const data = new FormData();
  const entries = pricingFormEntries(value, { intent: "save", pricingId: "prc_test", ...extra });
  for (const [key, text] of Object.entries(entries)) data.set(key, text);
  return data;
}

const defaults = () => tableToFormValue(defaultPricingTable, "v2 notes")!;

describe("the pricing form", () => {
  it("shows money in dollars and rates in percent, and reads them back to the same table", () => {
    const value = defaults();
    expect(value.tiers[0]).toMatchObject({ minAmount: "500.00", maxAmount: "25000.00" });
    expect(value.tiers[0]!.originationFee).toBe("1.000");
    expect(value.plans[1]).toMatchObject({ promoMerchantFee: "6.00", promoTiers: "A, B" });
    const submission = parsePricingForm(formData(value));
    expect(submission.status).toBe("success");
    if (submission.status !== "success") return;
    expect(submission.value.table).toEqual(defaultPricingTable);
    expect(submission.value.notes).toBe("v2 notes");
  });

  it("reads dollars and percent exactly: $1,234.56 is 123456 cents, 9.99 % stays 9.990", () => {
    const value = defaults();
    value.tiers[1]!.maxAmount = "$12,345.67";
    value.tiers[1]!.terms[0]!.noteRate = "12.49 %";
    value.lateFee = "0.29";
    value.plans[1]!.promoMerchantFee = "5.75";
    const submission = parsePricingForm(formData(value));
    if (submission.status !== "success") throw new Error(JSON.stringify(submission.error));
    const { table } = submission.value;
    expect(table.tiers[1]!.maxAmountCents).toBe(1_234_567);
    expect(table.tiers[1]!.terms[0]!.noteRate).toBe("12.490");
    expect(table.lateCharge.feeCents).toBe(29);
    expect(table.merchantPlans.promo_0apr_12!.promotional!.additionalMerchantFeeBps).toBe(575);
  });

  it("puts a message on each field that does not read, and returns no table", () => {
    const value = defaults();
    value.tiers[0]!.minAmount = "5.005";
    value.tiers[2]!.terms[1]!.noteRate = "0.1e2";
    value.tiers[1]!.minScore = "999";
    value.aprCap = "";
    value.plans[1]!.promoTiers = "A, bb";
    value.plans.push({ name: "standard" });
    const submission = parsePricingForm(formData(value));
    expect(submission.status).toBe("error");
    expect(submission.status !== "success" && submission.error).toEqual({
      "tiers[0].minAmount": [
        "Enter the smallest amount in dollars, like 500 or 1,250.00 (at most two decimals)",
      ],
      "tiers[2].terms[1].noteRate": [
        "Enter the note rate as a percentage below 100 with at most six decimals, like 9.99",
      ],
      "tiers[1].minScore": ["Enter the minimum score: a whole number from 0 to 460"],
      aprCap: ["Enter the APR cap in percent"],
      "plans[1].promoTiers": ["List the tiers it is offered to, separated by commas (e.g. A, B)"],
    });
  });

  it("refuses a plan listed twice (plans are keyed by name)", () => {
    const value = defaults();
    value.plans.push({ name: "standard" });
    const submission = parsePricingForm(formData(value));
    expect(submission.status !== "success" && submission.error).toEqual({
      "plans[2].name": ['The plan "standard" is listed twice'],
    });
  });

  it("adds and removes rows without saving (Conform's list intents, no JavaScript needed)", () => {
    const value = defaults();
    const insert = JSON.stringify({
      type: "insert",
      payload: { name: "tiers[1].terms", defaultValue: { months: "", noteRate: "" } },
    });
    const added = parsePricingForm(formData(value, { __intent__: insert }));
    expect(added.status).toBeUndefined();
    const reply = added.reply();
    const tiers = (reply.initialValue as { tiers: { terms: unknown[] }[] }).tiers;
    expect(tiers[1]!.terms).toHaveLength(5);
    const remove = JSON.stringify({ type: "remove", payload: { name: "tiers", index: 0 } });
    const removed = parsePricingForm(formData(value, { __intent__: remove }));
    expect((removed.reply().initialValue as { tiers: unknown[] }).tiers).toHaveLength(2);
  });

  it("reads percentages exactly or not at all", () => {
    expect(readPercent("9.99")).toBe("9.990");
    expect(readPercent("36")).toBe("36.000");
    expect(readPercent("9.4822")).toBe("9.4822");
    expect(readPercent("100")).toBeNull();
    expect(readPercent("-1")).toBeNull();
    expect(readPercent("9,99")).toBeNull();
  });

  it("files the publishing check's problems under their tier or plan", () => {
    expect(problemField("tiers.1: term 24 appears twice", ["standard"])).toEqual({
      field: "tiers[1]",
      message: "term 24 appears twice",
    });
    expect(problemField('merchantPlans.promo: unknown tier "D"', ["standard", "promo"])).toEqual({
      field: "plans[1]",
      message: 'unknown tier "D"',
    });
    expect(problemField('merchantPlans: the "standard" plan is required', [])).toEqual({
      field: "",
      message: 'merchantPlans: the "standard" plan is required',
    });
  });
});
