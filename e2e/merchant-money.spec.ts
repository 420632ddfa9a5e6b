import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { applyUntilSubmitted, chooseFirstOfferAndSign, offerFinancing } from "./borrower-helpers";
import { ready, signIn } from "./helpers";
import { expectAccessible, linkFromMessages, signInByLink } from "./merchant-helpers";

/**
 * Money from the merchant portal (docs/product/merchants-and-money.md, "The merchant portal"),
 * JavaScript off and on: a borrower of the demo merchant (funding on signature) signs and the
 * demo lender funds the loan; the owner signs in by an e-mailed link and refunds part of it from
 * the application page; once the lender confirms, the page says "Partially refunded", the payouts
 * page shows the refund's clawback, and the month's statement downloads as CSV.
 */

const owner = "owner@acme-pest.test";

for (const js of [false, true]) {
  test.describe(`Merchant portal money, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("a funded application refunded in part from the portal; the clawback on Payouts; the statement CSV", async ({
      page,
      request,
    }, info) => {
      test.setTimeout(180_000);
      const last = js ? "Moneyjs" : "Moneynojs";
      const app = await offerFinancing(request, info.project.name, {
        firstName: "Sam",
        lastName: last,
      });
      await applyUntilSubmitted(page, js, app.url, "123-45-7800");
      await chooseFirstOfferAndSign(page, js, `Sam ${last}`);
      const funded = page.getByRole("heading", { name: "Your loan is funded" });
      await expect(async () => {
        if (!(await funded.isVisible())) await page.reload();
        await expect(funded).toBeVisible({ timeout: 2_000 });
      }).toPass({ timeout: 45_000 });

      // The owner signs in by link (the sandbox e-mail page is FlowOps-only: an operator first).
      await signIn(page, js);
      await page.goto("/merchant/login");
      await ready(page, js);
      await page.getByLabel("Work e-mail").fill(owner);
      await page.getByRole("button", { name: "E-mail me a sign-in link" }).click();
      await expect(page.getByText("Check your e-mail.")).toBeVisible();
      await signInByLink(page, js, await linkFromMessages(page, owner, "/merchant/link"));

      // The application page offers a refund (funded): more than the loan is refused in words.
      await page.goto(`/merchant/applications/${app.id}`);
      await expect(page.getByRole("heading", { level: 1, name: new RegExp(last) })).toBeVisible();
      await ready(page, js);
      await expectAccessible(page, js);
      await expect(page.getByRole("button", { name: "Cancel financing" })).toHaveCount(0);
      await page.getByLabel("Amount to refund ($)").fill("9,000");
      await page.getByLabel("Reason").fill("Part of the job was not done");
      await page.getByRole("button", { name: "Refund", exact: true }).click();
      await expect(page.getByText("That is more than the $7,500.00 left to refund")).toBeVisible();
      await ready(page, js);
      await expectAccessible(page, js);
      await page.getByLabel("Amount to refund ($)").fill("1,500");
      await page.getByLabel("Reason").fill("Part of the job was not done");
      await page.getByRole("button", { name: "Refund", exact: true }).click();
      await expect(page.getByText("Refund of $1,500.00 requested.")).toBeVisible();

      // The demo lender confirms the refund by its webhook: the status says so.
      await expect(async () => {
        await page.reload();
        await expect(page.locator("dd", { hasText: "Partially refunded" })).toBeVisible({
          timeout: 2_000,
        });
      }).toPass({ timeout: 45_000 });
      await ready(page, js);

      // Payouts: the clawback (refund less the fee returned), and the statement downloads.
      await page
        .getByRole("navigation", { name: "Merchant portal" })
        .getByRole("link", { name: "Payouts" })
        .click();
      await expect(page.getByRole("heading", { level: 1, name: "Payouts" })).toBeVisible();
      await ready(page, js);
      await expectAccessible(page, js);
      const clawback = page.getByRole("row").filter({ hasText: app.id });
      await expect(clawback).toContainText("$1,500.00");
      const month = new Date().toISOString().slice(0, 7);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: `Download ${month} as CSV` }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`-${month}\\.csv$`));
      const csv = readFileSync((await download.path())!, "utf8");
      expect(csv.split("\r\n")[0]).toBe(
        "date,type,description,loan_id,application_id,amount,fee,net,balance",
      );
      expect(csv).toContain(`refund,`);
      expect(csv).toContain(app.id);
    });
  });
}
