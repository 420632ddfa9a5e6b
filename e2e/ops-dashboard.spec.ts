import { expect, test } from "@playwright/test";
import { offerFinancing } from "./borrower-helpers";
import { ready, signIn } from "./helpers";

/**
 * The FlowOps dashboard an ops lead uses (issue 18, ADR 079), with JavaScript on and off: the
 * range is a plain GET form (presets and custom dates), and a funnel tile opens the applications
 * list filtered to what it counted.
 */
for (const js of [false, true]) {
  test.describe(`FlowOps dashboard, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("changing the range and drilling down from a funnel step to the filtered list", async ({
      page,
      request,
    }, info) => {
      test.setTimeout(90_000);
      const lastName = `Dashboard${js ? "On" : "Off"}${Date.now().toString(36)}`;
      // A link sent today: counted in every range that ends today.
      await offerFinancing(request, info.project.name, { firstName: "Robin", lastName });

      await signIn(page, js);
      await ready(page, js);
      await expect(page.getByRole("heading", { name: "Funnel" })).toBeVisible();
      await expect(page.getByText("Showing last 30 days")).toBeVisible();

      // A preset.
      await page.getByLabel("Range", { exact: true }).selectOption("7");
      await page.getByRole("button", { name: "Show" }).click();
      await expect(page).toHaveURL(/[?&]range=7\b/);
      await expect(page.getByText("Showing last 7 days")).toBeVisible();
      await ready(page, js);

      // Custom dates: the last two days.
      const today = new Date();
      const iso = (d: Date) => d.toISOString().slice(0, 10);
      const yesterday = new Date(today.getTime() - 86_400_000);
      await page.getByLabel("Range", { exact: true }).selectOption("custom");
      await page.getByLabel("From (custom)").fill(iso(yesterday));
      await page.getByLabel("To (custom)").fill(iso(today));
      await page.getByRole("button", { name: "Show" }).click();
      await expect(page).toHaveURL(/range=custom/);
      await expect(
        page.getByText(`(${iso(yesterday)} to ${iso(today)}, UTC days, 2 days)`),
      ).toBeVisible();
      await ready(page, js);

      // A reversed range is refused with its reason, and the page still shows 30 days.
      await page.goto(`/ops?range=custom&from=${iso(today)}&to=${iso(yesterday)}`);
      await expect(page.getByRole("alert")).toHaveText(
        "The range’s start date is after its end date.",
      );
      await page.goBack();
      await ready(page, js);

      // Drill down: "Links sent" opens the list of the applications sent in the range.
      const funnel = page.getByRole("table", { name: /^Funnel: links sent/ });
      await expect(funnel).toBeVisible();
      await funnel.getByRole("link", { name: "Links sent" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Applications" })).toBeVisible();
      await expect(page).toHaveURL(
        new RegExp(`/ops/applications\\?from=${iso(yesterday)}&to=${iso(today)}$`),
      );
      await expect(page.getByLabel("Created from")).toHaveValue(iso(yesterday));
      await expect(page.getByRole("link", { name: `Robin ${lastName}` })).toBeVisible();

      // "Submitted" holds only those that got that far: a link just sent is not there.
      await page.goBack();
      await ready(page, js);
      await page
        .getByRole("table", { name: /^Funnel: links sent/ })
        .getByRole("link", { name: "Submitted" })
        .click();
      await expect(page).toHaveURL(/stage=submitted/);
      await expect(page.getByLabel("Reached step")).toHaveValue("submitted");
      await expect(page.getByRole("link", { name: `Robin ${lastName}` })).toHaveCount(0);

      // CRM write-backs and partner errors are on the dashboard, linked to the jobs.
      await page.goto("/ops");
      await expect(page.getByRole("heading", { name: "CRM write-backs" })).toBeVisible();
      await expect(page.getByRole("link", { name: "Open the CRM sync jobs" })).toHaveAttribute(
        "href",
        "/ops/jobs?kind=sync-to-crm",
      );
    });
  });
}
