/**
 * The pricing editor's form read back (issue 18): Conform's fields → the stored pricing table,
 * exactly. Dollars go through dollarsToCents (digit strings, never floats), percentages stay the
 * exact percentage strings the table stores ("9.99" → "9.990"), a plan's extra merchant fee goes
 * from percent to basis points. A field that does not read gets its own message and nothing is
 * saved; a table that reads but would not publish (an APR above the cap, tiers out of order) is
 * saved as a draft, as before, and publishing says why (validatePricingTable). Server-only
 * because it builds zod schemas (see form-schemas.server.ts).
 */
import { parseWithZod } from "@conform-to/zod/v4";
import { z } from "zod";
import { formatRate, isRate } from "~/app/decisioning/decimal";
import { pricingTableSchema, type PricingTable } from "~/app/decisioning/pricing";
import { centsToDollarInput, dollarsToCents } from "~/app/money/dollars";
import { basisPointsToPercent, percentToBasisPoints } from "./merchants-form";
import type { PricingFormValue } from "./pricing-form";

type Ctx = { addIssue: (issue: { code: "custom"; message: string; path?: PropertyKey[] }) => void };

/** A text field read by `read`; null from `read` puts `message` on the field. */
function field<T>(required: string, message: string, read: (text: string) => T | null) {
  return z.string({ error: required }).transform((text, ctx: Ctx) => {
    const value = read(text.trim());
    if (value === null) {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return value;
  });
}

export const readDollars = (text: string) => dollarsToCents(text);
/** "9.99", "9.99 %" → "9.990"; null for anything that is not an exact percentage below 100. */
export function readPercent(text: string): string | null {
  const bare = text.replace(/\s*%$/, "");
  return isRate(bare) ? formatRate(bare) : null;
}
const readWhole = (min: number, max: number) => (text: string) =>
  /^\d{1,6}$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : null;

const dollars = (what: string) =>
  field(
    `Enter ${what} in dollars`,
    `Enter ${what} in dollars, like 500 or 1,250.00 (at most two decimals)`,
    readDollars,
  );
const percent = (what: string) =>
  field(
    `Enter ${what} in percent`,
    `Enter ${what} as a percentage below 100 with at most six decimals, like 9.99`,
    readPercent,
  );
const whole = (what: string, min: number, max: number) =>
  field(
    `Enter ${what}`,
    `Enter ${what}: a whole number from ${min} to ${max}`,
    readWhole(min, max),
  );

const termSchema = z.object({
  months: whole("the term in months", 3, 120),
  noteRate: percent("the note rate"),
});

const tierSchema = z.object({
  name: field("Name the tier", "A tier is named by one capital letter (A, B, C…)", (text) =>
    /^[A-Za-z]$/.test(text) ? text.toUpperCase() : null,
  ),
  minScore: whole("the minimum score", 0, 460),
  minAmount: dollars("the smallest amount"),
  maxAmount: dollars("the largest amount"),
  originationFee: percent("the origination fee"),
  terms: z.array(termSchema, { error: "Add at least one term" }).min(1, "Add at least one term"),
});

const planSchema = z
  .object({
    name: field(
      "Name the plan",
      "Name the plan with lower-case letters, digits and _ (e.g. promo_0apr_12)",
      (text) => (/^[a-z0-9_]{1,40}$/.test(text) ? text : null),
    ),
    promotional: z.literal("on").optional(),
    promoMonths: z.string().optional(),
    promoMerchantFee: z.string().optional(),
    promoTiers: z.string().optional(),
    promoMaxAmount: z.string().optional(),
  })
  .transform((plan, ctx: Ctx) => {
    if (plan.promotional !== "on") return { name: plan.name, promotional: null };
    const issue = (path: string, message: string) => {
      ctx.addIssue({ code: "custom", message, path: [path] });
      return null;
    };
    const months = readWhole(3, 36)(plan.promoMonths?.trim() ?? "");
    if (months === null) issue("promoMonths", "Enter the promotional term: 3 to 36 months");
    const bps = percentToBasisPoints(plan.promoMerchantFee ?? "");
    if (bps === null || bps < 1 || bps > 5_000) {
      issue(
        "promoMerchantFee",
        "Enter the extra merchant fee in percent, from 0.01 to 50.00 (two decimals at most)",
      );
    }
    const tierText = plan.promoTiers?.trim() ?? "";
    const tiers = tierText
      .split(",")
      .map((item) => item.trim().toUpperCase())
      .filter((item) => item !== "");
    if (tiers.length === 0 || tiers.some((tier) => !/^[A-Z]$/.test(tier))) {
      issue("promoTiers", "List the tiers it is offered to, separated by commas (e.g. A, B)");
    }
    const maxCents = readDollars(plan.promoMaxAmount?.trim() ?? "");
    if (maxCents === null) {
      issue("promoMaxAmount", "Enter the largest promotional amount in dollars, like 15,000");
    }
    if (months === null || bps === null || maxCents === null) return z.NEVER;
    return {
      name: plan.name,
      promotional: {
        termMonths: months,
        additionalMerchantFeeBps: bps,
        tiers,
        maxAmountCents: maxCents,
      },
    };
  });

/** The posted editor: which button, the draft, and the table's fields. */
export const pricingFormSchema = z
  .object({
    intent: z.enum(["save", "validate", "publish"], { error: "Unknown request" }),
    pricingId: z.string({ error: "There is no such draft" }),
    notes: z.string().max(2_000, "Keep the notes under 2,000 characters").optional(),
    tiers: z.array(tierSchema, { error: "Add at least one tier" }).min(1, "Add at least one tier"),
    maxOffers: whole("how many offers are shown at most", 2, 3),
    minMonthlyPayment: dollars("the minimum monthly payment"),
    maxPaymentToIncome: percent("the largest payment as a share of income"),
    aprCap: percent("the APR cap"),
    lateGraceDays: whole("the grace days before a late charge", 10, 30),
    lateFee: dollars("the late charge"),
    plans: z.array(planSchema, { error: "Add the standard plan" }),
  })
  .superRefine((form, ctx) => {
    // merchantPlans is keyed by name: a second plan of the same name would silently replace the first.
    const seen = new Set<string>();
    form.plans.forEach((plan, index) => {
      if (seen.has(plan.name)) {
        ctx.addIssue({
          code: "custom",
          message: `The plan "${plan.name}" is listed twice`,
          path: ["plans", index, "name"],
        });
      }
      seen.add(plan.name);
    });
  })
  .transform((form) => ({
    intent: form.intent,
    pricingId: form.pricingId,
    notes: form.notes ?? "",
    table: {
      tiers: form.tiers.map((tier) => ({
        name: tier.name,
        minScore: tier.minScore,
        minAmountCents: tier.minAmount,
        maxAmountCents: tier.maxAmount,
        originationFeeRate: tier.originationFee,
        terms: tier.terms.map((term) => ({ months: term.months, noteRate: term.noteRate })),
      })),
      maxOffers: form.maxOffers,
      minMonthlyPaymentCents: form.minMonthlyPayment,
      maxPaymentToIncomePct: form.maxPaymentToIncome,
      aprCapPercent: form.aprCap,
      lateCharge: { graceDays: form.lateGraceDays, feeCents: form.lateFee },
      merchantPlans: Object.fromEntries(
        form.plans.map((plan) => [plan.name, { promotional: plan.promotional }]),
      ),
    } satisfies PricingTable,
  }));

/**
 * The posted pricing editor as a Conform submission: "success" with the table, "error" with
 * each field's message, or no status for an "add/remove a row" button (Conform's list intents:
 * the rows change, nothing is saved).
 */
export function parsePricingForm(formData: FormData) {
  return parseWithZod(formData, { schema: pricingFormSchema });
}

/**
 * A stored table as the form's values (cents → dollars, basis points → percent; rates are stored
 * as exact percentage strings already). null when the table does not match the schema: the form
 * could not show it faithfully.
 */
export function tableToFormValue(table: unknown, notes: string | null): PricingFormValue | null {
  const parsed = pricingTableSchema.safeParse(table);
  if (!parsed.success) return null;
  const value = parsed.data;
  return {
    notes: notes ?? "",
    tiers: value.tiers.map((tier) => ({
      name: tier.name,
      minScore: String(tier.minScore),
      minAmount: centsToDollarInput(tier.minAmountCents),
      maxAmount: centsToDollarInput(tier.maxAmountCents),
      originationFee: tier.originationFeeRate,
      terms: tier.terms.map((term) => ({ months: String(term.months), noteRate: term.noteRate })),
    })),
    maxOffers: String(value.maxOffers),
    minMonthlyPayment: centsToDollarInput(value.minMonthlyPaymentCents),
    maxPaymentToIncome: value.maxPaymentToIncomePct,
    aprCap: value.aprCapPercent,
    lateGraceDays: String(value.lateCharge.graceDays),
    lateFee: centsToDollarInput(value.lateCharge.feeCents),
    plans: Object.entries(value.merchantPlans).map(([name, plan]) =>
      plan.promotional
        ? {
            name,
            promotional: "on",
            promoMonths: String(plan.promotional.termMonths),
            promoMerchantFee: basisPointsToPercent(plan.promotional.additionalMerchantFeeBps),
            promoTiers: plan.promotional.tiers.join(", "),
            promoMaxAmount: centsToDollarInput(plan.promotional.maxAmountCents),
          }
        : { name },
    ),
  };
}
