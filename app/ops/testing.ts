import { newId } from "~/db/ids";
import { operators } from "~/db/schema/index";
import { createTestDatabase } from "~/db/testing";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import { defaultPricingTable } from "~/app/decisioning/default-pricing";
import type { PricingFormValue } from "./pricing-form";
import { tableToFormValue } from "./pricing-form.server";
import type { OperatorActor } from "./rules.server";

/**
 * For the rules and pricing editors' tests: a fresh database with the default rule set and
 * pricing published, and a risk analyst (a real operators row) acting from `ip`.
 */
export async function analystDatabase(analyst: { email: string; name: string; ip: string }) {
  const database = await createTestDatabase();
  await ensureDecisioningDefaults(database);
  const operatorId = newId("op");
  await database.write((tx) =>
    tx.insert(operators).values({
      id: operatorId,
      email: analyst.email,
      name: analyst.name,
      role: "risk_analyst",
      passwordHash: "unused",
    }),
  );
  const actor: OperatorActor = {
    actorType: "operator",
    actorId: operatorId,
    ip: analyst.ip,
    userAgent: "vitest",
  };
  return { database, actor, operatorId };
}

/**
 * The pricing editor's fields as a browser posts them (Conform's nested names, every value a
 * string), from a form value; `extra` adds or replaces entries (`intent`, `pricingId`, …).
 */
export function pricingFormEntries(
  value: PricingFormValue,
  extra: Record<string, string> = {},
): Record<string, string> {
  const entries: Record<string, string> = { notes: value.notes };
  value.tiers.forEach((tier, i) => {
    for (const key of ["name", "minScore", "minAmount", "maxAmount", "originationFee"] as const) {
      entries[`tiers[${i}].${key}`] = tier[key];
    }
    tier.terms.forEach((term, j) => {
      entries[`tiers[${i}].terms[${j}].months`] = term.months;
      entries[`tiers[${i}].terms[${j}].noteRate`] = term.noteRate;
    });
  });
  const limits = [
    "maxOffers",
    "minMonthlyPayment",
    "maxPaymentToIncome",
    "aprCap",
    "lateGraceDays",
    "lateFee",
  ] as const;
  for (const key of limits) entries[key] = value[key];
  value.plans.forEach((plan, k) => {
    for (const [key, text] of Object.entries(plan)) {
      if (text !== undefined) entries[`plans[${k}].${key}`] = text;
    }
  });
  return { ...entries, ...extra };
}

/** The default pricing table's editor fields (what a fresh draft shows). */
export function defaultPricingForm(): PricingFormValue {
  return tableToFormValue(defaultPricingTable, null)!;
}
