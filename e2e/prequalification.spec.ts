import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import {
  crmNumber,
  demoApiKey,
  fillDetailsAndConsents,
  submitFromReview,
} from "./borrower-helpers";
import { ready } from "./helpers";

/**
 * Issue 17 (docs/product/merchants-and-money.md, "Prequalification"): the CRM prequalifies a
 * customer, the borrower confirms what the CRM gave and authorizes a soft inquiry, sees the
 * result at once, and the application that follows through offer-financing with
 * `prequalification_id` asks nothing twice — at a phone's 390 × 844, JavaScript on and off.
 */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

let counter = 0;
const customer = () => {
  counter += 1;
  const n = `${Date.now().toString(36)}-${counter}`;
  return {
    crm: "fieldroutes",
    crm_customer_id: crmNumber(),
    customer: {
      first_name: "Jamie",
      last_name: "Rivera",
      email: `jamie.${n}@example.com`,
      phone: "+15125550142",
      address: { line1: "12 Oak Ave", city: "Austin", state: "TX", postal_code: "78702" },
    },
    send_sms: true,
  };
};

const auth = (projectName: string) => ({ Authorization: `Bearer ${demoApiKey(projectName)}` });

async function prequalification(request: APIRequestContext, projectName: string) {
  const body = customer();
  const response = await request.post("/api/v1/crm/prequalifications", {
    headers: { ...auth(projectName), "Idempotency-Key": `pq-${body.crm_customer_id}` },
    data: body,
  });
  expect(response.status()).toBe(201);
  const json = (await response.json()) as Record<string, string>;
  expect(Object.keys(json).sort()).toEqual([
    "apply_url",
    "expires_at",
    "prequalification_id",
    "status",
  ]);
  expect(json.status).toBe("link_sent");
  return { id: json.prequalification_id!, url: new URL(json.apply_url!).pathname, body };
}

async function status(request: APIRequestContext, projectName: string, id: string) {
  const response = await request.get(`/api/v1/crm/prequalifications/${id}`, {
    headers: auth(projectName),
  });
  expect(response.status()).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function prequalify(page: Page, js: boolean, url: string, ssn: string) {
  await page.goto(url);
  await expect(page.getByRole("heading", { name: "See if you prequalify" })).toBeVisible();
  await ready(page, js);
  // The page says what kind of inquiry it is, and shows what the CRM gave to confirm.
  await expect(page.getByText(/soft credit inquiry/).first()).toBeVisible();
  await expect(page.getByText(/never a hard pull/).first()).toBeVisible();
  await expect(page.getByText("Jamie Rivera")).toBeVisible();
  await expect(page.getByText("12 Oak Ave, Austin, TX 78702")).toBeVisible();
  await fillDetailsAndConsents(page, ssn);
}

for (const js of [false, true]) {
  test.describe(`prequalification, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js, viewport: { width: 390, height: 844 } });

    test("prequalify → convert → sign, nothing typed twice", async ({ page, request }, info) => {
      const shot = (name: string) =>
        page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
      const pq = await prequalification(request, info.project.name);
      await prequalify(page, js, pq.url, "123-45-7800");
      expect((await status(request, info.project.name, pq.id)).status).toBe("in_progress");
      await shot("1-prequalify");
      if (js) await expectAccessible(page);
      await page.getByRole("button", { name: /check if I prequalify/ }).click();

      await expect(
        page.getByRole("heading", { name: /You're prequalified for up to \$/ }),
      ).toBeVisible();
      await expect(page.getByText(/not a commitment to lend/)).toBeVisible();
      await expect(page.getByText(/Valid for 30 days/)).toBeVisible();
      await expect(page.getByRole("row")).not.toHaveCount(0);
      await shot("2-prequalified");
      if (js) await expectAccessible(page);

      const seen = await status(request, info.project.name, pq.id);
      expect(seen.status).toBe("prequalified");
      expect(seen.max_amount_cents).toEqual(expect.any(Number));
      expect(Object.keys(seen).sort()).toEqual([
        "max_amount_cents",
        "prequalification_id",
        "status",
        "valid_until",
      ]);

      // The estimate is ready: the CRM offers financing with the prequalification.
      const offer = await request.post("/api/v1/crm/offer-financing", {
        headers: auth(info.project.name),
        data: {
          ...pq.body,
          job: {
            crm_job_id: `${pq.body.crm_customer_id}1`,
            description: "Kitchen remodel",
            estimate_cents: 750000,
          },
          prequalification_id: pq.id,
        },
      });
      expect(offer.status()).toBe(201);
      const app = (await offer.json()) as { application_id: string; apply_url: string };

      let typed = 0;
      const countTyped = async () => {
        typed += await page
          .locator('input:is([type="text"], [type="date"]):not([name="website"]):visible')
          .count();
      };
      await page.goto(new URL(app.apply_url).pathname);
      await ready(page, js);
      await shot("3-welcome");
      await countTyped();
      await page.getByRole("button", { name: "Start my application" }).click();
      // Straight past the details and consents: they were given when prequalifying.
      await expect(page.getByRole("heading", { name: "Link your bank account" })).toBeVisible();
      await ready(page, js);
      await shot("4-bank");
      await countTyped();
      await page.getByLabel(/First Sandbox Bank/).check();
      await page.getByRole("button", { name: "Link this bank" }).click();
      await expect(page.getByRole("heading", { name: "Check and submit" })).toBeVisible();
      await shot("5-review");
      await countTyped();
      await submitFromReview(page, js);
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });
      await ready(page, js);
      await shot("6-offers");
      if (js) await expectAccessible(page);
      await page
        .locator("article.offer")
        .first()
        .getByRole("button", { name: /Choose/ })
        .click();
      await expect(
        page.getByRole("heading", { name: "Read and sign your agreement" }),
      ).toBeVisible();
      await ready(page, js);
      await shot("7-sign");
      await countTyped();
      if (js) await expectAccessible(page);
      await page.getByLabel(/Type your full name/).fill("Jamie Rivera");
      await page.getByLabel("I agree").check();
      await page.getByRole("button", { name: "Sign my agreement" }).click();
      await expect(page.getByRole("heading", { name: "You're all set" })).toBeVisible();
      await shot("8-done");
      // Only the signature was typed after prequalifying.
      expect(typed).toBe(1);

      const application = await request.get(`/api/v1/crm/applications/${app.application_id}`, {
        headers: auth(info.project.name),
      });
      expect(["offer_accepted", "pending_funding", "funded", "awaiting_completion"]).toContain(
        ((await application.json()) as { status: string }).status,
      );
    });

    test("not prequalified: the adverse action notice, on screen and as a PDF", async ({
      page,
      request,
    }, info) => {
      const pq = await prequalification(request, info.project.name);
      await prequalify(page, js, pq.url, "123-45-0000");
      await page.getByRole("button", { name: /check if I prequalify/ }).click();
      await expect(page.getByRole("heading", { name: "We couldn't prequalify you" })).toBeVisible();
      await expect(page.getByText("Principal reasons for our decision")).toBeVisible();
      await expect(page.getByText(/Bankruptcy/i).first()).toBeVisible();
      await expect(page.getByText(/Your credit score: \d+/)).toBeVisible();
      await expect(page.getByText(/Equal Credit Opportunity Act/)).toBeVisible();
      await page.screenshot({ path: info.outputPath("not-prequalified.png"), fullPage: true });
      if (js) await expectAccessible(page);
      const pdf = await request.get(`${pq.url}/notice.pdf`);
      expect(pdf.status()).toBe(200);
      expect((await pdf.body()).subarray(0, 5).toString()).toBe("%PDF-");
      // The merchant learns the outcome, never the reasons.
      expect(await status(request, info.project.name, pq.id)).toEqual({
        prequalification_id: pq.id,
        status: "not_prequalified",
        max_amount_cents: null,
        valid_until: null,
      });
    });
  });
}
