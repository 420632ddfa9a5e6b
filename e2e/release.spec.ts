import { createHash, randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext } from "@playwright/test";
import {
  applyUntilSubmitted,
  chooseFirstOfferAndSign,
  crmNumber,
  e2eDatabase,
} from "./borrower-helpers";
import { ready, signIn } from "./helpers";

/**
 * Funding on completion (issue 15, docs/product/merchants-and-money.md, ADR 050), JavaScript on
 * and off: a merchant on the on_completion plan; the borrower signs and is told the payment waits
 * for the job; the merchant marks the job complete through the API; the borrower opens the
 * "Job is done — release payment" link from the text and releases; the loan is funded.
 *
 * The demo merchant keeps paying at signature (the other specs rely on it), so this spec adds
 * its own on_completion merchant and API key to the server's database.
 */
async function onCompletionMerchant(projectName: string) {
  const db = e2eDatabase(projectName);
  const suffix = randomBytes(6).toString("hex");
  // Its own name per test, so the sandbox messages of another test never match.
  const name = `Greenway ${suffix.slice(0, 6)}`;
  const merchantId = `mer_release${suffix}`;
  const key = `fp_test_${randomBytes(24).toString("base64url")}`;
  const now = Date.now();
  try {
    await db.execute({
      sql: `INSERT INTO merchants (id, name, slug, funding_mode, created_at, updated_at)
        VALUES (?, ?, ?, 'on_completion', ?, ?)`,
      args: [merchantId, name, `greenway-${suffix}`, now, now],
    });
    await db.execute({
      sql: `INSERT INTO api_keys (id, merchant_id, name, mode, display_prefix, key_hash, expires_at,
          created_at, updated_at)
        VALUES (?, ?, 'e2e', 'test', ?, ?, ?, ?, ?)`,
      args: [
        `key_release${suffix}`,
        merchantId,
        key.slice(0, 12),
        createHash("sha256").update(key).digest("hex"),
        now + 24 * 3600_000,
        now,
        now,
      ],
    });
  } finally {
    db.close();
  }
  return { key, name };
}

async function offerFinancing(request: APIRequestContext, key: string) {
  const n = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const response = await request.post("/api/v1/crm/offer-financing", {
    headers: { Authorization: `Bearer ${key}` },
    data: {
      crm: "fieldroutes",
      crm_customer_id: crmNumber(),
      customer: {
        first_name: "Casey",
        last_name: "Release",
        email: `casey.${n}@example.com`,
        phone: "+15125550142",
        address: { line1: "12 Oak Ave", city: "Austin", state: "TX", postal_code: "78702" },
      },
      job: { crm_job_id: crmNumber(), description: "New fence", estimate_cents: 750000 },
    },
  });
  expect(response.status()).toBe(201);
  const json = (await response.json()) as { application_id: string; apply_url: string };
  return { id: json.application_id, url: new URL(json.apply_url).pathname };
}

type Status = { status: string; loan: { status: string; released_cents: number } | null };

for (const js of [false, true]) {
  test.describe(`release on completion, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("sign, the merchant completes through the API, the borrower releases from the link, funded", async ({
      page,
      request,
    }, info) => {
      test.setTimeout(120_000);
      const { key, name } = await onCompletionMerchant(info.project.name);
      const auth = { Authorization: `Bearer ${key}` };
      const status = async () =>
        (await (
          await request.get(`/api/v1/crm/applications/${app.id}`, { headers: auth })
        ).json()) as Status;
      const app = await offerFinancing(request, key);

      await applyUntilSubmitted(page, js, app.url, "123-45-7800");
      await chooseFirstOfferAndSign(page, js, "Casey Release");

      // Signed and booked, not paid: the done page says the payment waits for the job.
      const waiting = page.getByText(`${name} is paid when the job is done`);
      await expect(async () => {
        if (!(await waiting.isVisible())) await page.reload();
        await expect(waiting).toBeVisible({ timeout: 2_000 });
      }).toPass({ timeout: 30_000 });
      await expect(page.getByRole("heading", { name: "What happens next" })).toBeVisible();
      expect(await status()).toMatchObject({
        status: "awaiting_completion",
        loan: { status: "awaiting_completion", released_cents: 0 },
      });

      // Not complete yet → the API marks it; the borrower gets the link by text and e-mail.
      const completed = await request.post(`/api/v1/crm/applications/${app.id}/complete`, {
        headers: { ...auth, "Idempotency-Key": `complete-${app.id}` },
      });
      expect(completed.status()).toBe(200);
      expect(await completed.json()).toMatchObject({
        application_id: app.id,
        status: "awaiting_completion",
        release_link_sent: true,
      });

      // The text the borrower got (read on the sandbox messages page, as a developer would).
      await signIn(page, js);
      await page.goto("/dev/messages");
      const text = page
        .locator("article", { hasText: "release_requested" })
        .filter({ hasText: `${name} says your job is done` })
        .filter({ hasText: "SMS" });
      await expect(text).toHaveCount(1);
      const link = await text.locator('a[href*="/release/"]').getAttribute("href");
      expect(link).toBeTruthy();
      const releasePath = new URL(link!).pathname;

      await page.goto(releasePath);
      await expect(
        page.getByRole("heading", { name: "Job is done — release payment" }),
      ).toBeVisible();
      await ready(page, js);
      // No serious or critical accessibility violations on the release page (axe runs in the
      // page, so only with JavaScript on; the markup is the same either way).
      if (js) {
        const axe = await new AxeBuilder({ page }).analyze();
        expect(
          axe.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id}: ${v.help}`),
        ).toEqual([]);
      }
      await page.getByRole("button", { name: "Release payment" }).click();
      await expect(page.getByRole("heading", { name: "The payment is released" })).toBeVisible();
      await expect(page.getByText(/you released the \$7,500\.00 payment/)).toBeVisible();

      // The lender pays; the status API says funded with everything released.
      await expect(async () => {
        expect(await status()).toMatchObject({
          status: "funded",
          loan: { status: "funded", released_cents: 750000 },
        });
      }).toPass({ timeout: 30_000 });
      // The link is spent: opening it again only says where things stand.
      await page.goto(releasePath);
      await expect(page.getByText(`${name} has been paid.`)).toBeVisible();
      await expect(page.getByRole("button", { name: "Release payment" })).toHaveCount(0);
    });
  });
}
