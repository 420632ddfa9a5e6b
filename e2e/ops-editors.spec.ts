/**
 * FlowOps' editors for people (issue 18), JavaScript off and on: pricing edited as a form (a row
 * added without saving, dollars and percent, a field's message and nothing saved on bad input),
 * submitted, approved by a second operator through the confirmation step and published — then
 * the original table restored the same way; and a key revoke that asks first, where Cancel
 * leaves the key working.
 */
import { expect, test, type Page } from "@playwright/test";
import { ready, signIn } from "./helpers";
import {
  approveAsAnalyst,
  editorWithoutDraft,
  expectAccessible,
  submitForApproval,
} from "./policy-helpers";

async function pricingPage(page: Page, js: boolean) {
  const version = await editorWithoutDraft(page, js, "pricing");
  await expect(page.getByRole("heading", { level: 1, name: "Pricing" })).toBeVisible();
  return version;
}

for (const js of [false, true]) {
  test.describe(`FlowOps editors, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("pricing is edited as a form and published through a confirmed approval", async ({
      page,
      browser,
    }) => {
      test.setTimeout(150_000);
      await signIn(page, js);
      const original = await pricingPage(page, js);
      await page.getByRole("button", { name: `Start a draft from version ${original}` }).click();
      await expect(page.getByText(/Draft v\d+ started/)).toBeVisible();
      await ready(page, js);
      if (js) await expectAccessible(page);

      try {
        // Money in dollars and rates in percent, as the stored table has them.
        await expect(page.getByLabel("Tier A: largest amount ($)")).toHaveValue("25000.00");
        await expect(page.getByLabel("Tier A, term 1: note rate (%)")).toHaveValue("7.990");

        // A row added (a plain submit button): shown, not saved yet.
        await page.getByRole("button", { name: "Add a term to tier A" }).click();
        await expect(page.getByLabel("Tier A, term 4: months")).toBeVisible();
        await ready(page, js);
        await page.getByLabel("Tier A, term 4: months").fill("48");
        await page.getByLabel("Tier A, term 4: note rate (%)").fill("10.49");
        await page.getByLabel("Tier A: largest amount ($)").fill("30,000");

        // A field that does not read: its message beside it, nothing saved.
        await page.getByLabel("Tier B: smallest amount ($)").fill("5.005");
        await page.getByRole("button", { name: "Save draft", exact: true }).click();
        await expect(
          page.getByText("The draft was not saved: correct the fields marked below."),
        ).toBeVisible();
        await expect(page.getByText(/Enter the smallest amount in dollars/)).toBeVisible();
        await expect(page.getByLabel("Tier B: smallest amount ($)")).toHaveAttribute(
          "aria-invalid",
          "true",
        );
        await ready(page, js);
        await page.getByLabel("Tier B: smallest amount ($)").fill("500");
        await page.getByRole("button", { name: "Save draft", exact: true }).click();
        await expect(page.getByText("Draft saved.")).toBeVisible();
        await ready(page, js);
        // Stored in cents, shown again in dollars; the new term is kept.
        await expect(page.getByLabel("Tier A: largest amount ($)")).toHaveValue("30000.00");
        await expect(page.getByLabel("Tier A, term 4: note rate (%)")).toHaveValue("10.490");

        await submitForApproval(page, js, "pricing");
        await approveAsAnalyst(browser, js, "pricing", async (review) => {
          await expect(review.getByText(/\$30,000\.00/).first()).toBeVisible();
        });
        await pricingPage(page, js);
        const published = page.getByRole("table", { name: /^Version \d+: tiers$/ });
        await expect(published).toContainText("$30,000.00");
        await expect(published).toContainText("48 months: 10.490 %");
      } finally {
        // Put the original table back for every other spec: a copy of it, published.
        const now = await pricingPage(page, js);
        if (now !== original) {
          await page.getByRole("button", { name: `New draft from v${original}` }).click();
          await expect(page.getByText(/Draft v\d+ started/)).toBeVisible();
          await ready(page, js);
          await submitForApproval(page, js, "pricing");
          await approveAsAnalyst(browser, js, "pricing");
        }
      }
    });

    test("revoking a key asks first; Cancel keeps it", async ({ page, request }) => {
      await signIn(page, js);
      await page.goto("/ops/merchants");
      await page.getByRole("link", { name: "Acme Pest Control" }).click();
      await expect(
        page.getByRole("heading", { level: 1, name: "Acme Pest Control" }),
      ).toBeVisible();
      await ready(page, js);
      await page.getByLabel("Key name").fill(`e2e editors ${js ? "js" : "no-js"}`);
      await page.getByRole("button", { name: "Create API key" }).click();
      const key = (await page.locator("#new-api-key").innerText()).trim();
      await ready(page, js);
      const missing = `/api/v1/crm/applications/app_${"0".repeat(26)}`;
      const call = () => request.get(missing, { headers: { Authorization: `Bearer ${key}` } });

      const revoke = page.getByRole("button", { name: `Revoke key ${key.slice(0, 12)}` });
      await revoke.first().click();
      const question = page.getByRole("heading", { name: /^Revoke API key .*\?$/ });
      await expect(question).toBeVisible();
      await expect(page.getByText(/cannot be undone/)).toBeVisible();
      if (js) await expectAccessible(page);
      await ready(page, js);
      await page.getByRole("link", { name: "Cancel" }).click();
      await expect(question).toHaveCount(0);
      expect((await call()).status()).toBe(404);

      await ready(page, js);
      await revoke.first().click();
      await expect(question).toBeVisible();
      await ready(page, js);
      await page.getByRole("button", { name: /^Revoke key .* now$/ }).click();
      await expect(page.getByText("API key revoked")).toBeVisible();
      expect((await call()).status()).toBe(401);
    });
  });
}
