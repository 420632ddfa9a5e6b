import { and, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { merchants } from "~/db/schema/index";
import { asLowAs, type AsLowAsOutcome } from "~/app/decisioning/as-low-as";
import { merchantTerms } from "~/app/decisioning/inputs";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";

type MerchantRow = typeof merchants.$inferSelect;

/** "As low as" for one merchant and amount, from the published pricing and the merchant's plan. */
export async function asLowAsForMerchant(
  database: Database,
  merchant: Pick<
    MerchantRow,
    "pricingPlan" | "merchantFeeBps" | "minAmountCents" | "maxAmountCents"
  >,
  amountCents: number,
): Promise<AsLowAsOutcome | null> {
  const pricing = await getPublishedPricing(database);
  if (!pricing) return null;
  return asLowAs({
    table: pricing.table,
    amountCents,
    merchant: merchantTerms(merchant),
  });
}

/** An active merchant by its public slug (the widget's URL), or null. */
export async function activeMerchantBySlug(database: Database, slug: string) {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) return null;
  const row = await database.db.query.merchants.findFirst({
    where: and(eq(merchants.slug, slug), eq(merchants.status, "active")),
  });
  return row ?? null;
}

/**
 * `amount_cents` from a query string: a whole number of cents, 1 … 100,000,000. Returns the
 * problem in words when it is not one, for the API's 422 and the widget's message.
 */
export function parseAmountCents(
  value: string | null,
): { ok: true; cents: number } | { ok: false; message: string } {
  if (value === null || value === "") return { ok: false, message: "amount_cents is required" };
  if (!/^\d{1,9}$/.test(value)) {
    return {
      ok: false,
      message: "amount_cents must be a whole number of cents, e.g. 750000 for $7,500",
    };
  }
  const cents = Number(value);
  if (cents < 1 || cents > 100_000_000) {
    return { ok: false, message: "amount_cents must be between 1 and 100000000" };
  }
  return { ok: true, cents };
}

/** The API's snake_case body (docs/product/merchants-and-money.md, "As low as"). */
export function asLowAsBody(value: Extract<AsLowAsOutcome, { ok: true }>["value"]) {
  return {
    amount_cents: value.amountCents,
    monthly_payment_cents: value.monthlyPaymentCents,
    term_months: value.termMonths,
    apr: value.apr,
    apr_range: value.aprRange,
    term_range_months: value.termRangeMonths,
    promotional: value.promotional,
    disclosure: value.disclosure,
  };
}
