import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import {
  applyUntilSubmitted,
  demoApiKey,
  e2eDatabase,
  fillDetailsAndConsents,
  offerFinancing,
} from "./borrower-helpers";
import { ready } from "./helpers";

/** No serious or critical accessibility violations on the page as it is now. */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

for (const js of [false, true]) {
  test.describe(`borrower journey, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("approval: from the CRM call to the signed agreement", async ({ page, request }, info) => {
      const app = await offerFinancing(request, info.project.name);
      await page.goto(app.url);
      await expect(page.getByText("$7,500.00", { exact: true })).toBeVisible();
      // The estimate's "as low as" payment, with the disclosure that must go with it.
      await expect(page.getByText(/^\$[\d,]+\.\d\d\/month for \d+ months\*$/)).toBeVisible();
      await expect(page.getByText(/Subject to credit approval/)).toBeVisible();
      await expect(page.getByText("Jamie Rivera")).toBeVisible();
      if (js) await expectAccessible(page);

      await applyUntilSubmitted(page, js, app.url, "123-45-7800");
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });
      if (js) await expectAccessible(page);
      // The offers compared: monthly payment, term, APR and total of payments each.
      const offers = page.locator("article.offer");
      // At least two plans (auto-waiting: the list is read once the page has settled).
      await expect(offers.nth(1)).toBeVisible();
      await expect(
        offers.first().getByText("Annual percentage rate", { exact: true }),
      ).toBeVisible();
      await expect(offers.first().getByText("Total of payments", { exact: true })).toBeVisible();

      await offers
        .nth(1)
        .getByRole("button", { name: /Choose/ })
        .click();
      await expect(
        page.getByRole("heading", { name: "Read and sign your agreement" }),
      ).toBeVisible();
      await ready(page, js);
      const signUrl = page.url();
      if (js) await expectAccessible(page);
      // The chosen offer's full Truth-in-Lending box; the agreement's long text collapsed (it
      // opens without JavaScript) and its PDF one tap away.
      await expect(page.getByText("Annual percentage rate", { exact: true })).toBeVisible();
      await expect(page.getByText("Finance charge", { exact: true })).toBeVisible();
      await expect(
        page.locator(".til-grid").getByText("Amount financed", { exact: true }),
      ).toBeVisible();
      const holderNotice = page.getByRole("heading", {
        name: "Notice to any holder of this contract",
      });
      await expect(holderNotice).toBeHidden();
      await page.getByText(/^Read the full agreement/).click();
      await expect(holderNotice).toBeVisible();
      const preview = await request.get(
        (await page
          .getByRole("link", { name: "Download the agreement (PDF)" })
          .getAttribute("href"))!,
      );
      expect(preview.status()).toBe(200);
      expect((await preview.body()).subarray(0, 5).toString()).toBe("%PDF-");
      // A wrong name is refused with a clear message, and nothing is signed.
      await page.getByLabel(/Type your full name/).fill("Someone Else");
      await page.getByLabel("I agree").check();
      await page.getByRole("button", { name: "Sign my agreement" }).click();
      await expect(page.getByText(/Type your full name as it appears/)).toBeVisible();

      await page.getByLabel(/Type your full name/).fill("jamie rivera");
      await page.getByLabel("I agree").check();
      await page.getByRole("button", { name: "Sign my agreement" }).click();
      await expect(page.getByRole("heading", { name: "You're all set" })).toBeVisible();
      if (js) await expectAccessible(page);

      const pdf = await request.get(`${app.url}/agreement.pdf`);
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()["content-type"]).toBe("application/pdf");
      expect((await pdf.body()).subarray(0, 5).toString()).toBe("%PDF-");

      // The CRM sees the accepted offer.
      const status = await request.get(`/api/v1/crm/applications/${app.id}`, {
        headers: { Authorization: `Bearer ${demoApiKey(info.project.name)}` },
      });
      const json = await status.json();
      expect(["offer_accepted", "pending_funding", "funded"]).toContain(json.status);
      expect(json.selected_offer.apr).toMatch(/^\d+\.\d{3}$/);

      // Back to the offers or the agreement: no second signature, the borrower lands on the done page.
      await page.goto(signUrl);
      await expect(
        page.getByRole("heading", { name: /You're all set|Your loan is funded/ }),
      ).toBeVisible();
      await page.goto(`${app.url}/offers`);
      await expect(
        page.getByRole("heading", { name: /You're all set|Your loan is funded/ }),
      ).toBeVisible();
      const db = e2eDatabase(info.project.name);
      const docs = await db.execute({
        // One signed agreement (the credit score disclosure is a document of its own, ADR 034).
        sql: "SELECT count(*) AS n FROM documents WHERE application_id = ? AND kind = 'agreement'",
        args: [app.id],
      });
      expect(docs.rows[0]!.n).toBe(1);
      db.close();
    });

    test("the approval path: at most 6 screens where the borrower acts and 5 typed fields; three offers within one 390 × 844 screen", async ({
      page,
      request,
    }, info) => {
      await page.setViewportSize({ width: 390, height: 844 });
      const app = await offerFinancing(request, info.project.name);
      const screens: { heading: string; typed: number }[] = [];
      /** Records the screen the borrower is on and the fields they must type on it. */
      const screen = async () => {
        await ready(page, js);
        const heading = (await page.getByRole("heading", { level: 1 }).textContent()) ?? "";
        const typed = await page
          .locator(
            'input:is([type="text"], [type="date"], [type="email"], [type="tel"], [type="number"]):not([name="website"]):visible',
          )
          .count();
        screens.push({ heading, typed });
        await page.screenshot({
          path: info.outputPath(`screen-${screens.length}.png`),
          fullPage: true,
        });
      };
      await page.goto(app.url);
      await screen();
      await page.getByRole("button", { name: "Start my application" }).click();
      await expect(page.getByRole("heading", { name: "A few details about you" })).toBeVisible();
      await screen();
      await fillDetailsAndConsents(page, "123-45-7800");
      await page.getByRole("button", { name: "Agree and continue" }).click();
      await expect(page.getByRole("heading", { name: "Link your bank account" })).toBeVisible();
      await screen();
      await page.getByLabel(/First Sandbox Bank/).check();
      await page.getByRole("button", { name: "Link this bank" }).click();
      // Identity inline: the sandbox answers at once, so the review comes next.
      await expect(page.getByRole("heading", { name: "Check and submit" })).toBeVisible();
      await screen();
      await page.getByRole("button", { name: "Submit my application" }).click();
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });
      await screen();
      // Three offers readable without scrolling past one screen.
      const offers = page.locator("article.offer");
      await expect(offers.nth(2)).toBeVisible();
      const third = await offers.nth(2).boundingBox();
      expect(third!.y + third!.height).toBeLessThanOrEqual(844);
      await offers
        .first()
        .getByRole("button", { name: /Choose/ })
        .click();
      await expect(
        page.getByRole("heading", { name: "Read and sign your agreement" }),
      ).toBeVisible();
      await screen();
      await page.getByLabel(/Type your full name/).fill("Jamie Rivera");
      await page.getByLabel("I agree").check();
      await page.getByRole("button", { name: "Sign my agreement" }).click();
      await expect(page.getByRole("heading", { name: "You're all set" })).toBeVisible();

      const typed = screens.reduce((sum, s) => sum + s.typed, 0);
      await info.attach("approval-path.json", {
        body: JSON.stringify({ js, screens, typed_fields: typed }, null, 2),
        contentType: "application/json",
      });
      expect(screens.map((s) => s.heading)).toHaveLength(6);
      expect(screens.length).toBeLessThanOrEqual(6);
      expect(typed).toBeLessThanOrEqual(5);
    });

    test("decline: the adverse action notice with its reasons", async ({ page, request }, info) => {
      const app = await offerFinancing(request, info.project.name);
      await applyUntilSubmitted(page, js, app.url, "123-45-0000");
      await expect(
        page.getByRole("heading", { name: "We couldn't approve your application" }),
      ).toBeVisible({
        timeout: 20_000,
      });
      await expect(page.getByText("Principal reasons for our decision")).toBeVisible();
      await expect(page.getByText(/Bankruptcy/i).first()).toBeVisible();
      await expect(page.getByText(/Your credit score: \d+/)).toBeVisible();
      await expect(page.getByText(/Equal Credit Opportunity Act/)).toBeVisible();
      if (js) await expectAccessible(page);
      // A declined application cannot be signed.
      await page.goto(`${app.url}/sign`);
      await expect(
        page.getByRole("heading", { name: "We couldn't approve your application" }),
      ).toBeVisible();
    });

    test("manual review: what happens next", async ({ page, request }, info) => {
      const app = await offerFinancing(request, info.project.name);
      await applyUntilSubmitted(page, js, app.url, "123-45-1111", "skip");
      await expect(
        page.getByRole("heading", { name: "A specialist is reviewing your application" }),
      ).toBeVisible({
        timeout: 20_000,
      });
      if (js) await expectAccessible(page);
    });

    test("expired and unknown links show a friendly page without application data", async ({
      page,
      request,
    }, info) => {
      const app = await offerFinancing(request, info.project.name);
      const db = e2eDatabase(info.project.name);
      await db.execute({
        sql: "UPDATE application_links SET expires_at = ? WHERE application_id = ?",
        args: [Date.now() - 1000, app.id],
      });
      db.close();
      const expired = await page.goto(app.url);
      expect(expired?.status()).toBe(410);
      await expect(page.getByRole("heading", { name: "This link has expired" })).toBeVisible();
      await expect(page.getByText("Jamie")).toHaveCount(0);
      await expect(page.getByText("$7,500.00")).toHaveCount(0);
      if (js) await expectAccessible(page);

      const unknown = await page.goto("/apply/this-is-not-a-real-token-at-all");
      expect(unknown?.status()).toBe(404);
      await expect(
        page.getByRole("heading", { name: "We can't find that application" }),
      ).toBeVisible();
    });

    test("refresh, back and double submission neither break nor duplicate", async ({
      page,
      request,
    }, info) => {
      const app = await offerFinancing(request, info.project.name);
      await page.goto(app.url);
      await ready(page, js);
      await page.getByRole("button", { name: "Start my application" }).click();
      await expect(page.getByRole("heading", { name: "A few details about you" })).toBeVisible();
      await ready(page, js);
      // Invalid input: a clear message, and the SSN is not echoed back.
      const posts: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST") posts.push(r.url());
      });
      await page.getByLabel("Date of birth").fill("1985-04-12");
      await page.getByLabel("Social Security number").fill("12345");
      await page.getByLabel("Monthly income before taxes ($)").fill("6000");
      await page.getByLabel("Monthly rent or mortgage ($)").fill("1500");
      await page.getByRole("button", { name: "Agree and continue" }).click();
      await expect(page.getByText("Enter your 9-digit Social Security number")).toBeVisible();
      // With JavaScript the same schema runs in the browser: the message comes without a round
      // trip. Without it, the server answers the post with the same message.
      expect(posts).toHaveLength(js ? 0 : 1);
      await page.reload();
      await expect(page.getByRole("heading", { name: "A few details about you" })).toBeVisible();
      // Skipping ahead is not possible.
      await page.goto(`${app.url}/review`);
      await expect(page.getByRole("heading", { name: "A few details about you" })).toBeVisible();

      await applyUntilSubmitted(page, js, app.url, "123-45-7800");
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });
      // Back to the review page and submit again: sent on to the offers, one decision only.
      await page.goto(`${app.url}/review`);
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible();
      const db = e2eDatabase(info.project.name);
      const decisions = await db.execute({
        sql: "SELECT count(*) AS n FROM decisions WHERE application_id = ?",
        args: [app.id],
      });
      expect(decisions.rows[0]!.n).toBe(1);
      db.close();
    });
  });
}
