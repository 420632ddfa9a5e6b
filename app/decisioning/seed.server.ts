import { inArray } from "drizzle-orm";
import type { Database } from "~/db/client";
import { pricingRules, ruleSets } from "~/db/schema/index";
import { defaultPricingTable } from "./default-pricing";
import { defaultRules } from "./default-rules";
import { insertPricingDraft, publishPricingInTx } from "./pricing-rules.server";
import { insertRuleSetDraft, publishRuleSetInTx } from "./rule-sets.server";

/**
 * Publishes the default rule set and pricing when none has ever been published. Idempotent
 * and safe when several processes boot together: each checks again inside its own write
 * transaction (BEGIN IMMEDIATE), so only the first one seeds.
 */
export async function ensureDecisioningDefaults(database: Database) {
  const seeded = { ruleSet: false, pricing: false };
  await database.write(async (tx) => {
    const existing = await tx
      .select({ id: ruleSets.id })
      .from(ruleSets)
      .where(inArray(ruleSets.status, ["published", "archived"]))
      .limit(1);
    if (existing.length === 0) {
      const draft = await insertRuleSetDraft(tx, {
        rules: defaultRules,
        notes: "Default rule set (seeded)",
      });
      await publishRuleSetInTx(tx, draft.id);
      seeded.ruleSet = true;
    }
    const pricing = await tx
      .select({ id: pricingRules.id })
      .from(pricingRules)
      .where(inArray(pricingRules.status, ["published", "archived"]))
      .limit(1);
    if (pricing.length === 0) {
      const draft = await insertPricingDraft(tx, {
        table: defaultPricingTable,
        notes: "Default pricing (seeded)",
      });
      await publishPricingInTx(tx, draft.id);
      seeded.pricing = true;
    }
  });
  return seeded;
}
