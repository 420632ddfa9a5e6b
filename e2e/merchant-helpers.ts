import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { ready } from "./helpers";

/**
 * Steps of the merchant's side shared by the portal specs (merchant-journey, merchant-portal,
 * merchant-signup, merchant-money).
 */

/** axe on the page: no serious or critical violation. Only with JavaScript on (same markup). */
export async function expectAccessible(page: Page, js: boolean) {
  if (!js) return;
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/**
 * The newest link under `path` in a sandbox message to `to`, from /dev/messages (FlowOps-only:
 * sign in an operator first). Texts and e-mails are sent by jobs: polled until there.
 */
export async function linkFromMessages(page: Page, to: string, path: string) {
  let href: string | null = null;
  await expect(async () => {
    await page.goto("/dev/messages");
    href = await page
      .locator("article")
      .filter({ hasText: `to ${to}` })
      .locator(`a[href*="${path}"]`)
      .first()
      .getAttribute("href", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const url = new URL(href!);
  return url.pathname + url.search;
}

/** Opens an e-mailed /merchant/link sign-in link and signs in: lands on the overview. */
export async function signInByLink(page: Page, js: boolean, link: string) {
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Sign in to the merchant portal" })).toBeVisible();
  await ready(page, js);
  await expectAccessible(page, js);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await ready(page, js);
}

/** Fills /merchant/signup with a valid application for `business`, owned by `owner` (e-mail). */
export async function fillSignupForm(page: Page, business: string, owner: string) {
  await page.getByLabel("Legal business name").fill(`${business} LLC`);
  await page.getByLabel("Doing business as (optional)").fill(business);
  await page.getByLabel("Employer Identification Number (EIN)").fill("12-3456789");
  await page.getByLabel("Industry").selectOption("pest_control");
  await page.getByLabel("Street address").fill("40 Pecan St");
  await page.getByLabel("City").fill("Austin");
  await page.getByLabel("State").selectOption("TX");
  await page.getByLabel("ZIP code").fill("78702");
  await page.getByLabel("Expected monthly financed volume ($)").fill("25,000");
  await page.getByLabel("Full name").fill("Morgan Journey");
  await page.getByLabel("E-mail").fill(owner);
  await page.getByLabel("Phone").fill("(512) 555-0160");
  await page.getByLabel("Routing number").fill("021000021");
  await page.getByLabel("Account number").fill("0001112223334");
}

/** On the portal's Team page (owner): invites `email` with `role`. */
export async function inviteTeamMember(page: Page, js: boolean, email: string, role: string) {
  await page.getByRole("link", { name: "Team" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Team" })).toBeVisible();
  await ready(page, js);
  await expectAccessible(page, js);
  await page.getByLabel("E-mail", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invited ${email}`)).toBeVisible();
  await expect(page.getByRole("cell", { name: email, exact: true })).toBeVisible();
  await ready(page, js);
}

/**
 * Sends a financing link by text from the portal's phone-sized form; returns the portal path of
 * the application ("Follow the application").
 */
export async function sendFinancingLinkByText(
  page: Page,
  js: boolean,
  link: { first: string; last: string; mobile: string; amount: string; job: string },
) {
  await page.getByRole("link", { name: "Send a link" }).click();
  await expect(
    page.getByRole("heading", { level: 1, name: "Send a financing link" }),
  ).toBeVisible();
  await ready(page, js);
  await expectAccessible(page, js);
  await page.getByLabel("Customer's first name", { exact: true }).fill(link.first);
  await page.getByLabel("Customer's last name", { exact: true }).fill(link.last);
  await page.getByLabel("Mobile number", { exact: true }).fill(link.mobile);
  await page.getByLabel("Job amount ($, for financing)", { exact: true }).fill(link.amount);
  await page.getByLabel("What the job is (optional)", { exact: true }).fill(link.job);
  await page.getByLabel("Text message", { exact: true }).check();
  await page.getByLabel(/the customer asked to receive a text message/).check();
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByText("Link sent.")).toBeVisible();
  const follow = page.getByRole("link", { name: "Follow the application" });
  return new URL((await follow.getAttribute("href"))!, page.url()).pathname;
}
