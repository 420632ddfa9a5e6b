/**
 * The pricing editor as a form (issue 18) through /ops/pricing's loader and action: dollars and
 * percent in, cents and exact rates stored; a field that does not read is refused on the field
 * with nothing saved; rows added without saving; the publishing check's problems on their tier;
 * submitting for approval (ADR 069).
 */
import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import type { PricingTable } from "~/app/decisioning/pricing";
import { loadPricingVersions } from "~/app/ops/pricing.server";
import * as pricingRoute from "~/app/routes/ops.pricing";
import type { PricingFormValue } from "./pricing-form";
import { pricingFormEntries } from "./testing";

type Signed = Awaited<ReturnType<typeof signedInOperator>>;
let analyst: Signed;
let support: Signed;

beforeAll(async () => {
  await ensureDecisioningDefaults(await appDatabase());
  analyst = await signedInOperator("risk_analyst");
  support = await signedInOperator("support");
});

type Page = { draft: { id: string; version: number; form: PricingFormValue } | null };
type Answer = {
  message?: string;
  error?: string;
  validation?: string[];
  result?: { initialValue: PricingFormValue; error?: Record<string, string[]> };
};

const page = async () =>
  (await callOps(pricingRoute, { path: "/ops/pricing", cookie: analyst.cookie })) as Page;
const post = (form: Record<string, string>, who: Signed = analyst) =>
  callOps(pricingRoute, { path: "/ops/pricing", cookie: who.cookie, form });
const storedDraft = async () =>
  (await loadPricingVersions(await appDatabase())).draft!.table as PricingTable;

describe("the pricing editor's form", () => {
  it("stores dollars as cents and percent as exact rates; refuses bad fields without saving", async () => {
    expect(statusOf(await post({ intent: "start-draft", fromVersion: "1" }))).toBe(302);
    const { draft } = await page();
    expect(draft!.form.tiers[0]).toMatchObject({ name: "A", minAmount: "500.00" });
    const ids = { pricingId: draft!.id };

    const form = structuredClone(draft!.form);
    form.tiers[0]!.maxAmount = "20,000.50";
    form.tiers[0]!.terms[0]!.noteRate = "7.49";
    form.aprCap = "35.99";
    const saved = (await post(pricingFormEntries(form, { ...ids, intent: "save" }))) as Answer;
    expect(saved.message).toBe("Draft saved.");
    const table = await storedDraft();
    expect(table.tiers[0]!.maxAmountCents).toBe(2_000_050);
    expect(table.tiers[0]!.terms[0]!.noteRate).toBe("7.490");
    expect(table.aprCapPercent).toBe("35.990");

    form.tiers[1]!.minAmount = "five hundred";
    form.lateFee = "15.001";
    const refused = await post(pricingFormEntries(form, { ...ids, intent: "save" }));
    expect(statusOf(refused)).toBe(422);
    const answer = refused as Answer;
    expect(answer.error).toBe("The draft was not saved: correct the fields marked below.");
    expect(answer.result!.error).toMatchObject({
      "tiers[1].minAmount": [
        "Enter the smallest amount in dollars, like 500 or 1,250.00 (at most two decimals)",
      ],
      lateFee: ["Enter the late charge in dollars, like 500 or 1,250.00 (at most two decimals)"],
    });
    // What was typed comes back to the form; the stored draft is the last good one.
    expect(answer.result!.initialValue.tiers[1]!.minAmount).toBe("five hundred");
    expect((await storedDraft()).tiers[1]!.minAmountCents).toBe(50_000);
  });

  it("adds a tier without saving, and files the publishing check's problems under the tier", async () => {
    const { draft } = await page();
    const ids = { pricingId: draft!.id };
    const insert = JSON.stringify({
      type: "insert",
      payload: { name: "tiers", defaultValue: { name: "", terms: [{ months: "" }] } },
    });
    const added = (await post(
      pricingFormEntries(draft!.form, { ...ids, __intent__: insert }),
    )) as Answer;
    expect(added.message).toMatch(/Not saved yet/);
    expect(added.result!.initialValue.tiers).toHaveLength(4);
    expect((await storedDraft()).tiers).toHaveLength(3);

    const form = structuredClone(draft!.form);
    form.aprCap = "9";
    const validated = (await post(
      pricingFormEntries(form, { ...ids, intent: "validate" }),
    )) as Answer;
    expect(validated.validation).toContain("tiers.1: note rate 12.990 % is above the APR cap");
    expect(validated.result!.error!["tiers[1]"]).toContain(
      "note rate 12.990 % is above the APR cap",
    );
    expect((await storedDraft()).aprCapPercent).toBe("9.000");
  });

  it("submits a publishable draft for a second operator's approval; support may not edit", async () => {
    const { draft } = await page();
    const submitted = await post(
      pricingFormEntries(
        { ...draft!.form, aprCap: "36" },
        { pricingId: draft!.id, intent: "publish" },
      ),
    );
    expect(statusOf(submitted)).toBe(302);
    expect((submitted as Response).headers.get("location")).toMatch(/^\/ops\/policy\/pricing/);
    expect(statusOf(await post({ intent: "save" }, support))).toBe(403);
  });
});
