import { expect, test } from "@playwright/test";
import { ready, signIn } from "./helpers";
import {
  expectAccessible,
  inviteTeamMember,
  linkFromMessages,
  sendFinancingLinkByText,
  signInByLink,
} from "./merchant-helpers";

/**
 * The merchant portal (docs/product/merchants-and-money.md, "The merchant portal"), JavaScript off
 * and on: the demo owner of Acme Pest Control signs in by an e-mailed link (read from the sandbox
 * e-mail on /dev/messages, as a developer would), invites a staff member, who signs in by the
 * invitation's link and sends a financing link from the phone-sized form, then finds the
 * application in the list.
 */

const owner = "owner@acme-pest.test";

for (const js of [false, true]) {
  test.describe(`Merchant portal, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("owner signs in by link, invites staff; staff sends a link and sees the application", async ({
      page,
    }) => {
      test.setTimeout(120_000);
      const staff = `staff.${js ? "js" : "nojs"}.${Date.now().toString(36)}@acme-pest.test`;
      const customer = js ? "Quinn Portalsent" : "Rowan Portalsent";

      // The sandbox e-mail page is FlowOps-only: the demo admin signs in there first.
      await signIn(page, js);

      // The owner asks for a sign-in link; the answer never says whether the address is known.
      await page.goto("/merchant/login");
      await ready(page, js);
      await expectAccessible(page, js);
      await page.getByLabel("Work e-mail").fill(owner);
      await page.getByRole("button", { name: "E-mail me a sign-in link" }).click();
      await expect(page.getByText("Check your e-mail.")).toBeVisible();

      await signInByLink(page, js, await linkFromMessages(page, owner, "/merchant/link"));
      await expect(page.getByText("Acme Pest Control").first()).toBeVisible();
      await expect(page.getByRole("heading", { name: "Conversion" })).toBeVisible();
      await expectAccessible(page, js);

      // Team: invite a staff member.
      await inviteTeamMember(page, js, staff, "staff");

      // API keys (created and shown once), the CRM connection and Security: reachable, accessible.
      await page.getByRole("link", { name: "API keys" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();
      await ready(page, js);
      await page.getByLabel("Name", { exact: true }).fill(`E2E ${js ? "js" : "nojs"}`);
      await page.getByRole("button", { name: "Create key" }).click();
      await expect(page.getByTestId("new-api-key")).toHaveText(/^fp_test_/);
      await expectAccessible(page, js);
      for (const [link, heading] of [
        ["CRM", "CRM connection"],
        ["Payouts", "Payouts"],
        ["Security", "Security"],
      ] as const) {
        await page.getByRole("link", { name: link, exact: true }).click();
        await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
        await ready(page, js);
        await expectAccessible(page, js);
      }

      await page.getByRole("button", { name: "Sign out" }).click();
      await expect(
        page.getByRole("heading", { name: "Sign in to the merchant portal" }),
      ).toBeVisible();

      // The staff member signs in with the invitation's link: no Team or API keys for them.
      await signInByLink(page, js, await linkFromMessages(page, staff, "/merchant/link"));
      await expect(page.getByRole("link", { name: "Team" })).toHaveCount(0);
      await expect(page.getByRole("link", { name: "API keys" })).toHaveCount(0);
      await expect(page.getByRole("link", { name: "Payouts" })).toHaveCount(0);

      // Send a financing link from the phone-sized form.
      const [first, last] = customer.split(" ") as [string, string];
      await sendFinancingLinkByText(page, js, {
        first,
        last,
        mobile: "(512) 555-0177",
        amount: "4,200",
        job: "Termite treatment",
      });

      await page.getByRole("link", { name: "Follow the application" }).click();
      await expect(
        page.getByRole("heading", { level: 1, name: new RegExp(customer) }),
      ).toBeVisible();
      await expect(page.getByText("(•••) •••-0177")).toBeVisible();
      await expect(page.getByRole("heading", { name: "Timeline" })).toBeVisible();
      await ready(page, js);
      await expectAccessible(page, js);

      // …and finds it in the list.
      await page.getByRole("link", { name: "Applications", exact: true }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Applications" })).toBeVisible();
      await ready(page, js);
      await page.getByLabel("Search").fill(last);
      await page.getByRole("button", { name: "Search" }).click();
      await expect(page.getByRole("link", { name: customer })).toBeVisible();
      await expectAccessible(page, js);
    });
  });
}
