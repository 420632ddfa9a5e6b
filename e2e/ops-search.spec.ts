import { expect, test } from "@playwright/test";
import { crmNumber, demoApiKey } from "./borrower-helpers";
import { ready, signIn } from "./helpers";

/**
 * FlowOps' forgiving search (issue 18, ADR 081) with JavaScript off, as an operator on a locked-
 * down browser uses it: the search box is a plain GET form. An application made through the CRM
 * API is found by its phone's last 4 digits and by its surname misspelt, best match first.
 */
test.describe("FlowOps search, JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("finds an application by the phone's last 4 digits and by a misspelt name", async ({
    page,
    request,
  }, info) => {
    test.setTimeout(90_000);
    // A surname and phone no other test uses (letters only: the typo below is one edit).
    const stamp = Date.now()
      .toString(36)
      .replace(/\d/g, (d) => "abcdefghij"[Number(d)]!);
    const lastName = `Quintavalle${stamp}`;
    const last4 = String(Date.now() % 10_000).padStart(4, "0");
    const response = await request.post("/api/v1/crm/offer-financing", {
      headers: { Authorization: `Bearer ${demoApiKey(info.project.name)}` },
      data: {
        crm: "fieldroutes",
        crm_customer_id: crmNumber(),
        customer: {
          first_name: "Marisol",
          last_name: lastName,
          email: `marisol.${stamp}@example.com`,
          phone: `+1737555${last4}`,
          address: { line1: "4 Elm St", city: "Austin", state: "TX", postal_code: "78702" },
        },
        job: { crm_job_id: crmNumber(), description: "Attic insulation", estimate_cents: 640000 },
      },
    });
    expect(response.status()).toBe(201);

    await signIn(page, false);
    const search = async (q: string) => {
      await page.goto("/ops/applications");
      await ready(page, false);
      await page.getByRole("searchbox", { name: "Search" }).fill(q);
      await page.getByRole("button", { name: "Search" }).click();
      await expect(page).toHaveURL(/[?&]q=/);
      return page.getByRole("table", { name: /^Applications/ });
    };

    // The last 4 digits of the phone: found, and (ending with them) ranked first.
    const byPhone = await search(last4);
    await expect(byPhone.getByRole("rowheader").first()).toHaveText(`Marisol ${lastName}`);

    // The surname with two letters swapped (one typo).
    const misspelt = lastName.slice(0, 3) + lastName[4] + lastName[3] + lastName.slice(5);
    const byTypo = await search(`marisol ${misspelt}`);
    await expect(byTypo.getByRole("rowheader")).toHaveText([`Marisol ${lastName}`]);
    await byTypo.getByRole("link", { name: `Marisol ${lastName}` }).click();
    await expect(
      page.getByRole("heading", { name: `Application of Marisol ${lastName}` }),
    ).toBeVisible();
  });
});
