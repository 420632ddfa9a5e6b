/**
 * The shorter journey (issue 17, ADR 067): after the details with their consents the bank page,
 * unless no published rule reads bank data; after the bank step the identity check inline when
 * the provider answers at once (the sandbox does), straight to the review.
 */
const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { applicationRow, offerFinancing } = await import("~/scripts/testing/borrower-harness");
const { loadJourney } = await import("./context.server");
const steps = await import("./steps.server");
const { nextAfterBank, nextAfterDetails } = await import("./shortcuts.server");
const { ensureDecisioningDefaults } = await import("~/app/decisioning/seed.server");
const { createRuleSetDraft, publishRuleSet } = await import("~/app/decisioning/rule-sets.server");
const { defaultRules } = await import("~/app/decisioning/default-rules");

import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { consents } from "~/db/schema/index";

const database = await appDatabase();
await ensureDecisioningDefaults(database);
const merchant = await createMerchant({ name: "Acme Pest Control" });
const client = { ip: "203.0.113.9", userAgent: "vitest" };
const details = {
  dateOfBirth: "1985-04-12",
  ssn: "666127800",
  monthlyIncome: 600_000,
  housingCost: 150_000,
};

async function detailsGiven() {
  const { applicationId, token } = await offerFinancing(merchant.key);
  await steps.startApplication(await loadJourney(token, "welcome"), client);
  const journey = await loadJourney(token, "details");
  await steps.saveDetailsAndConsents(journey, details, client, { sms: false });
  return { applicationId, token, journey };
}

describe("the shorter journey", () => {
  it("details and consents are saved together; the default rules read bank data, so the bank page is next", async () => {
    const { applicationId, journey } = await detailsGiven();
    expect((await applicationRow(applicationId))!.step).toBe("consents");
    const kinds = (
      await database.db.select().from(consents).where(eq(consents.applicationId, applicationId))
    ).map((row) => row.kind);
    expect(kinds.sort()).toEqual(["credit_pull", "esign", "privacy"]);
    expect(await nextAfterDetails(journey, client)).toEqual({ page: "bank" });
  });

  it("after the bank step the sandbox identity check answers at once: straight to the review, verified", async () => {
    const { applicationId, token } = await detailsGiven();
    const bank = await loadJourney(token, "bank");
    await steps.saveBankLink(bank, { kind: "skipped" }, client);
    expect(await nextAfterBank(bank, client)).toEqual({ page: "review" });
    const row = (await applicationRow(applicationId))!;
    expect(row.kycStatus).toBe("approved");
    expect(row.step).toBe("identity");
  });

  it("when no published rule reads bank data, the bank step is skipped for the borrower", async () => {
    const withoutBank = defaultRules.filter((rule) => !rule.field.startsWith("bank."));
    const draft = await createRuleSetDraft(database, { rules: withoutBank });
    await publishRuleSet(database, draft.id);
    try {
      const { applicationId, journey } = await detailsGiven();
      expect(await nextAfterDetails(journey, client)).toEqual({ page: "review" });
      const row = (await applicationRow(applicationId))!;
      expect(row.bankLinkStatus).toBe("skipped");
      expect(row.kycStatus).toBe("approved");
    } finally {
      const back = await createRuleSetDraft(database, { rules: defaultRules });
      await publishRuleSet(database, back.id);
    }
  });
});
