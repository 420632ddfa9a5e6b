import { randomInt } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { applyUntilSubmitted, demoApiKey, e2eDatabase } from "./borrower-helpers";
import { ready, signIn } from "./helpers";

/**
 * Refunds after funding (issue 15, docs/product/merchants-and-money.md, ADR 053), JavaScript on
 * and off: a borrower signs, the demo lender funds the loan, the merchant refunds half through
 * the CRM API; the application becomes `partially_refunded` with the loan's `refunded_cents`,
 * FlowOps' application page shows the loan's ledger balanced with the refund, the borrower's
 * page says what changed, and the CRM write-back wrote its note.
 */

async function offerFinancing(request: APIRequestContext, key: string) {
  // A numeric customer id: FieldRoutes notes go to FieldRoutes customers (their ids are numbers).
  const customerId = String(randomInt(100_000, 999_999_999));
  const response = await request.post("/api/v1/crm/offer-financing", {
    headers: { Authorization: `Bearer ${key}` },
    data: {
      crm: "fieldroutes",
      crm_customer_id: customerId,
      customer: {
        first_name: "Robin",
        last_name: "Refund",
        email: `robin.${customerId}@example.com`,
        phone: "+15125550142",
        address: { line1: "12 Oak Ave", city: "Austin", state: "TX", postal_code: "78702" },
      },
      job: {
        crm_job_id: `${customerId}1`,
        description: "Termite treatment",
        estimate_cents: 750000,
      },
    },
  });
  expect(response.status()).toBe(201);
  const json = (await response.json()) as { application_id: string; apply_url: string };
  return { id: json.application_id, url: new URL(json.apply_url).pathname };
}

type Status = { status: string; loan: { status: string; refunded_cents: number } | null };

for (const js of [false, true]) {
  test.describe(`refunds, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("a funded loan refunded by half: partially_refunded, the ledger balanced, the CRM note written", async ({
      page,
      request,
    }, info) => {
      test.setTimeout(120_000);
      const key = demoApiKey(info.project.name);
      const auth = { Authorization: `Bearer ${key}` };
      const app = await offerFinancing(request, key);

      // The borrower applies, is approved and signs; the demo lender funds the loan by itself.
      await applyUntilSubmitted(page, js, app.url, "123-45-7800");
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });
      await ready(page, js);
      await page
        .locator("article.offer")
        .first()
        .getByRole("button", { name: /Choose/ })
        .click();
      await expect(
        page.getByRole("heading", { name: "Read and sign your agreement" }),
      ).toBeVisible();
      await ready(page, js);
      await page.getByLabel(/Type your full name/).fill("Robin Refund");
      await page.getByLabel("I agree").check();
      await page.getByRole("button", { name: "Sign my agreement" }).click();
      const funded = page.getByRole("heading", { name: "Your loan is funded" });
      await expect(async () => {
        if (!(await funded.isVisible())) await page.reload();
        await expect(funded).toBeVisible({ timeout: 2_000 });
      }).toPass({ timeout: 45_000 });

      // The merchant refunds half. Without an Idempotency-Key the API refuses (nothing written).
      const refundPath = `/api/v1/crm/applications/${app.id}/refunds`;
      const body = { amount_cents: 375000, reason: "Half of the job was canceled" };
      const noKey = await request.post(refundPath, { headers: auth, data: body });
      expect(noKey.status()).toBe(400);
      expect(((await noKey.json()) as { error: { code: string } }).error.code).toBe("bad_request");
      const refund = await request.post(refundPath, {
        headers: { ...auth, "Idempotency-Key": `refund-half-${app.id}` },
        data: body,
      });
      expect(refund.status()).toBe(201);
      const created = (await refund.json()) as { refund_id: string; status: string };
      expect(created).toMatchObject({ status: "pending", amount_cents: 375000 });
      // More than what is left: refused.
      const tooMuch = await request.post(refundPath, {
        headers: { ...auth, "Idempotency-Key": `refund-more-${app.id}` },
        data: { amount_cents: 375001, reason: "Too much" },
      });
      expect(tooMuch.status()).toBe(422);

      // The lender confirms with its own webhook: partially_refunded, refunded_cents in the status API.
      await expect(async () => {
        const status = (await (
          await request.get(`/api/v1/crm/applications/${app.id}`, { headers: auth })
        ).json()) as Status;
        expect(status).toMatchObject({
          status: "partially_refunded",
          loan: { status: "funded", refunded_cents: 375000 },
        });
      }).toPass({ timeout: 30_000 });

      // The borrower's page says so.
      await page.goto(`${app.url}/done`);
      await expect(
        page.getByRole("heading", { name: "Part of your loan was refunded" }),
      ).toBeVisible();
      await expect(page.getByText("refunded $3,750.00", { exact: false })).toBeVisible();

      // FlowOps: the loan's ledger lines balance, the refund is there, completed.
      await signIn(page, js);
      await page.goto(`/ops/applications/${app.id}`);
      await ready(page, js);
      await expect(page.getByRole("heading", { name: "Money" })).toBeVisible();
      await expect(page.getByTestId("ledger-balanced")).toHaveText(
        "Ledger: balanced (every transaction sums to zero).",
      );
      await expect(page.locator("tr[data-kind=refund]").first()).toBeVisible();
      await expect(page.getByTestId("refunds")).toContainText("$3,750.00 — completed");

      // The CRM write-back wrote its note (the sandbox FieldRoutes' call log).
      const db = e2eDatabase(info.project.name);
      try {
        await expect(async () => {
          const rows = await db.execute({
            sql: "SELECT request FROM crm_sync_logs WHERE application_id = ? AND operation = 'note/create' AND outcome = 'ok'",
            args: [app.id],
          });
          const notes = rows.rows.map((r) => String(r.request));
          expect(notes.some((n) => n.includes("PARTIALLY REFUNDED"))).toBe(true);
        }).toPass({ timeout: 30_000 });
      } finally {
        db.close();
      }
    });
  });
}
