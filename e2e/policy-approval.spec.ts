import { expect, test } from "@playwright/test";
import { applyUntilSubmitted, offerFinancing } from "./borrower-helpers";
import { ready, signIn } from "./helpers";
import {
  approveAsAnalyst,
  editorWithoutDraft,
  expectAccessible,
  submitForApproval,
} from "./policy-helpers";

/**
 * Four-eyes policy changes with a back-test (issue 18, ADRs 069–070): the admin drafts a rule
 * that would send an approved applicant to review and submits it; an unchanged draft and the
 * author's own approval are refused; the analyst reads the diff, runs a back-test that lists
 * that application (Approved → Manual review) and approves, which publishes. The original rules
 * are then put back the same way (the analyst submits, the admin approves).
 */
for (const js of [false, true]) {
  test.describe(`Policy approval, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("drafted and submitted by one operator, back-tested and approved by another", async ({
      page,
      request,
      browser,
    }, info) => {
      test.setTimeout(180_000);
      // A score no other spec uses (SSN …7330 → 733, …7340 → 734).
      const score = js ? 734 : 733;
      const ssn = `123-45-${score}0`;
      const key = `e2e_policy_${score}`;

      // A real decision to back-test: this applicant is approved under the live rules.
      const application = await offerFinancing(request, info.project.name);
      await applyUntilSubmitted(page, js, application.url, ssn);
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });

      await signIn(page, js);
      const original = await editorWithoutDraft(page, js, "rules");
      await page.getByRole("button", { name: `Start a draft from version ${original}` }).click();
      await expect(page.getByText(/Draft v\d+ started/)).toBeVisible();
      await ready(page, js);

      // A copy of the live version cannot be submitted.
      await page.getByRole("button", { name: /^Submit v\d+ for approval$/ }).click();
      await expect(
        page.getByRole("alert").filter({ hasText: "identical to the live version" }),
      ).toBeVisible();
      await ready(page, js);

      await page.getByLabel("New rule: key", { exact: true }).fill(key);
      await page.getByLabel("New rule: name", { exact: true }).fill(`Review score ${score}`);
      await page.getByLabel("New rule: field", { exact: true }).selectOption("credit.score");
      await page.getByLabel("New rule: operator", { exact: true }).selectOption("in");
      await page.getByLabel("New rule: value", { exact: true }).fill(String(score));
      await page.getByLabel("New rule: action", { exact: true }).selectOption("manual_review");
      await page
        .getByLabel("New rule: reason code", { exact: true })
        .selectOption("low_credit_score");
      await submitForApproval(page, js, "rules");
      await expect(page.getByText("Submitted for approval by Demo Admin")).toBeVisible();
      if (js) await expectAccessible(page);

      // The author's own approval is refused, and nothing is published.
      await page.getByRole("button", { name: /^Approve and publish v\d+$/ }).click();
      await expect(
        page
          .getByRole("alert")
          .filter({ hasText: /another operator with the permission to approve must approve it/ }),
      ).toBeVisible();
      await ready(page, js);

      await approveAsAnalyst(browser, js, "rules", async (review) => {
        const diff = review.getByRole("region", {
          name: `Changes against the live version v${original}`,
        });
        await expect(diff.getByRole("row", { name: new RegExp(key) })).toContainText("Added");
        await expect(diff.getByRole("row", { name: new RegExp(key) })).toContainText(
          `credit.score in ${score}`,
        );
        await review.getByLabel("Days of decisions").fill("30");
        await review.getByRole("button", { name: "Run back-test" }).click();
        await expect(review.getByText("Back-test started.")).toBeVisible();
        await ready(review, js);
        const figures = review.getByRole("table", { name: "Back-test figures" });
        await expect(figures).toBeVisible({ timeout: 30_000 });
        await expect(figures.getByRole("row", { name: /Approval rate/ })).toBeVisible();
        await expect(figures.getByRole("row", { name: /Funded volume/ })).toBeVisible();
        const changed = review.getByRole("table", {
          name: "Applications whose outcome would change",
        });
        const row = changed.getByRole("row", { name: new RegExp(application.id) });
        await expect(row).toContainText("Approved");
        await expect(row).toContainText("Manual review");
        if (js) await expectAccessible(review);
      });

      await page.goto("/ops/rules");
      await ready(page, js);
      const published = page.getByRole("region", { name: /^Published: version \d+$/ });
      await expect(published.getByRole("rowheader", { name: key })).toBeVisible();
      await expect(page.getByText(/Published by Demo Analyst/)).toBeVisible();

      // Put the original rules back: the admin submits a copy of them, the analyst approves.
      await page.getByRole("button", { name: `New draft from v${original}` }).click();
      await expect(page.getByText(/Draft v\d+ started/)).toBeVisible();
      await ready(page, js);
      await submitForApproval(page, js, "rules");
      await approveAsAnalyst(browser, js, "rules");
      await page.goto("/ops/rules");
      await expect(published.getByRole("rowheader", { name: key })).toHaveCount(0);
    });
  });
}
