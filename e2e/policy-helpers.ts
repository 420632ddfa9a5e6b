import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type Page } from "@playwright/test";
import { demoAnalyst, ready, signIn } from "./helpers";

/**
 * Four-eyes publishing in the e2e specs (ADR 069): a draft is submitted by one operator and
 * approved by another — here the demo admin (the specs' usual operator) and the demo analyst.
 */

/** No serious or critical accessibility violations on the page as it is now. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/** The author's "Submit vN for approval" on an editor page: lands on the review page. */
export async function submitForApproval(page: Page, js: boolean, kind: "rules" | "pricing") {
  await page.getByRole("button", { name: /^Submit v\d+ for approval$/ }).click();
  await expect(page.getByText(/Draft v\d+ is submitted for approval/)).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/ops/policy/${kind}`));
  await ready(page, js);
}

/** The second operator, in a browser of their own, approves the submitted draft. */
export async function approveAsAnalyst(
  browser: Browser,
  js: boolean,
  kind: "rules" | "pricing",
  check?: (page: Page) => Promise<void>,
) {
  const context = await browser.newContext({ javaScriptEnabled: js });
  const page = await context.newPage();
  try {
    await signIn(page, js, demoAnalyst);
    await page.goto(`/ops/policy/${kind}`);
    await ready(page, js);
    if (check) await check(page);
    await page.getByRole("button", { name: /^Approve and publish v\d+$/ }).click();
    // Publishing asks first, saying what it does (issue 18); confirming publishes.
    await expect(
      page.getByRole("heading", { name: /^Approve and publish .* v\d+\?$/ }),
    ).toBeVisible();
    await expect(
      page.getByText(/Every application decided from the moment you confirm/),
    ).toBeVisible();
    await ready(page, js);
    await page.getByRole("button", { name: /^Publish v\d+ now$/ }).click();
    await expect(
      page.getByText(/ersion \d+ is published: the next decision uses it/),
    ).toBeVisible();
  } finally {
    await context.close();
  }
}

/**
 * An editor page (`/ops/rules`, `/ops/pricing`) with no open draft (one left by an earlier,
 * failed run would stop a new one from starting); returns its published version.
 */
export async function editorWithoutDraft(page: Page, js: boolean, kind: "rules" | "pricing") {
  await page.goto(`/ops/${kind}`);
  await ready(page, js);
  const discard = page.getByRole("button", { name: /^Discard draft v\d+$/ });
  if (await discard.isVisible()) {
    await discard.click();
    await expect(page.getByText(/Draft v\d+ discarded/)).toBeVisible();
    await ready(page, js);
  }
  const heading = await page.getByRole("heading", { name: /^Published: version \d+$/ }).innerText();
  return Number(/(\d+)$/.exec(heading)![1]);
}
