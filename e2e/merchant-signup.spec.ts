import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { ready, signIn } from "./helpers";
import { expectAccessible, fillSignupForm } from "./merchant-helpers";

/**
 * Merchant onboarding end to end, JavaScript off and on (docs/product/merchants-and-money.md,
 * "Onboarding"; ADR 065): a business signs up at /merchant/signup (a mistake first, answered
 * field by field), an operator approves it in FlowOps' merchant applications queue with a
 * pricing plan and funding mode, and the owner's sign-in e-mail appears on the sandbox's
 * messages page.
 */
for (const js of [false, true]) {
  test.describe(`merchant sign-up, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("sign up → FlowOps approves → the owner is e-mailed a sign-in link", async ({ page }) => {
      test.setTimeout(90_000);
      const suffix = randomBytes(3).toString("hex");
      const business = `Termite Titans ${suffix}`;
      const owner = `owner.${suffix}@titans.example`;

      await page.goto("/merchant/signup");
      await ready(page, js);
      await expect(
        page.getByRole("heading", { name: "Offer FlowPay financing to your customers" }),
      ).toBeVisible();
      await expectAccessible(page, js);
      await fillSignupForm(page, business, owner);
      // A mistyped routing number (its checksum fails): refused with that field's message.
      await page.getByLabel("Routing number").fill("021000022");
      await page.getByLabel("Account number").fill("0004445556667");
      await page.getByRole("button", { name: "Send the application" }).click();
      await expect(page.getByText("Enter the bank's 9-digit ABA routing number")).toBeVisible();
      await expect(page.getByLabel("Routing number")).toHaveAttribute("aria-invalid", "true");
      await expectAccessible(page, js);
      await page.getByLabel("Routing number").fill("021000021");
      // The account number is never sent back into the page: typed again.
      await page.getByLabel("Account number").fill("0004445556667");
      await page.getByRole("button", { name: "Send the application" }).click();
      await expect(
        page.getByRole("heading", { name: "Thank you — we received your application" }),
      ).toBeVisible();

      await signIn(page, js);
      await page
        .getByRole("navigation", { name: "FlowOps" })
        .getByRole("link", { name: "Merchant applications" })
        .click();
      await expect(page.getByRole("heading", { name: "Merchant applications" })).toBeVisible();
      await ready(page, js);
      await expectAccessible(page, js);
      await page.getByRole("link", { name: business }).click();
      await expect(page.getByRole("heading", { name: business })).toBeVisible();
      await ready(page, js);
      await expect(page.getByText("account •••••6667")).toBeVisible();
      await expect(page.getByText("0004445556667")).toHaveCount(0);
      await expectAccessible(page, js);
      await page.getByLabel(/On signature/).check();
      await page.getByRole("button", { name: "Approve and e-mail the owner" }).click();
      await expect(page.getByText("Approved: the merchant was created")).toBeVisible();
      await expect(page.getByRole("link", { name: "Open the merchant" })).toBeVisible();

      await page.goto("/dev/messages");
      // The owner's invitation: an e-mail to the address they gave, with a sign-in link.
      const invitation = page
        .locator("article", { hasText: `EMAIL to ${owner}` })
        .filter({ has: page.locator('a[href*="/merchant/link?token="]') });
      await expect(invitation).toHaveCount(1);
    });
  });
}
