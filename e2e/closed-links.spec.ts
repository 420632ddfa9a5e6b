import { expect, test } from "@playwright/test";
import { crmNumber, demoApiKey, offerFinancing } from "./borrower-helpers";

/**
 * A link that no longer works says what really happened (issue 13, item 14; ADR 027): canceled by
 * the business, replaced by a newer offer for the job, replaced by a newer link — never "it may
 * have been replaced" for everything, and never any application data.
 */
for (const js of [false, true]) {
  test.describe(`closed links, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("canceled, superseded and replaced links each say so", async ({ page, request }, info) => {
      const auth = { Authorization: `Bearer ${demoApiKey(info.project.name)}` };

      const canceled = await offerFinancing(request, info.project.name);
      expect(
        (
          await request.post(`/api/v1/crm/applications/${canceled.id}/cancel`, { headers: auth })
        ).status(),
      ).toBe(200);
      const canceledPage = await page.goto(canceled.url);
      expect(canceledPage?.status()).toBe(410);
      await expect(
        page.getByRole("heading", { name: "This financing request was canceled" }),
      ).toBeVisible();
      await expect(page.getByText("may have been replaced")).toHaveCount(0);
      await expect(page.getByText("Jamie")).toHaveCount(0);
      await expect(page.getByText("$7,500.00")).toHaveCount(0);

      const resent = await offerFinancing(request, info.project.name);
      expect(
        (
          await request.post(`/api/v1/crm/applications/${resent.id}/resend`, { headers: auth })
        ).status(),
      ).toBe(202);
      expect((await page.goto(resent.url))?.status()).toBe(410);
      await expect(
        page.getByRole("heading", { name: "This link was replaced by a newer one" }),
      ).toBeVisible();
      await expect(page.getByText("newer link was sent for this same application")).toBeVisible();

      // The same CRM job offered again with another amount: the old link is superseded.
      const n = crmNumber(); // digits: FieldRoutes ids are numbers (ADR 080)
      const job = (estimate_cents: number) => ({
        crm: "fieldroutes",
        crm_customer_id: `${n}1`,
        customer: { first_name: "Sam", last_name: "Park", phone: "+15125550143" },
        job: { crm_job_id: `${n}2`, estimate_cents },
      });
      const first = await request.post("/api/v1/crm/offer-financing", {
        headers: auth,
        data: job(500000),
      });
      expect(first.status()).toBe(201);
      const firstJson = (await first.json()) as { apply_url: string };
      const second = await request.post("/api/v1/crm/offer-financing", {
        headers: auth,
        data: job(550000),
      });
      expect(second.status()).toBe(201);
      expect((await page.goto(new URL(firstJson.apply_url).pathname))?.status()).toBe(410);
      await expect(
        page.getByRole("heading", { name: "This link was replaced by a newer one" }),
      ).toBeVisible();
      await expect(page.getByText("updated this financing offer")).toBeVisible();
    });
  });
}
