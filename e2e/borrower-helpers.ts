import { readFileSync } from "node:fs";
import { createClient } from "@libsql/client";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { ready } from "./helpers";

/** The e2e server's data directory for the project being run (see playwright.config.ts). */
export function dataDir(projectName: string) {
  return `${process.env.E2E_DATA_DIR ?? "e2e/.data"}/${projectName}`;
}

export function demoApiKey(projectName: string) {
  return readFileSync(`${dataDir(projectName)}/demo-api-key.txt`, "utf8").trim();
}

/** Direct access to the e2e server's database, for setting up states a test needs (e.g. an expired link). */
export function e2eDatabase(projectName: string) {
  // A second process on the server's file: wait for the server's write lock, as the CLI does.
  return createClient({ url: `file:${dataDir(projectName)}/flowpay.db`, timeout: 5000 });
}

let counter = 0;
let crmCounter = 0;

/**
 * A CRM id FieldRoutes could resolve (digits only, unique in this run): the demo merchant is
 * connected to the sandbox FieldRoutes, and intake refuses ids it never could (ADR 080).
 */
export function crmNumber() {
  crmCounter += 1;
  return `${Date.now()}${String(crmCounter % 1000).padStart(3, "0")}`;
}

/** What a CRM does: POST /api/v1/crm/offer-financing. Returns the application id and apply URL. */
export async function offerFinancing(
  request: APIRequestContext,
  projectName: string,
  customer: { firstName?: string; lastName?: string; email?: string } = {},
) {
  counter += 1;
  const n = `${Date.now().toString(36)}-${counter}`;
  const response = await request.post("/api/v1/crm/offer-financing", {
    headers: { Authorization: `Bearer ${demoApiKey(projectName)}` },
    data: {
      crm: "fieldroutes",
      crm_customer_id: crmNumber(),
      customer: {
        first_name: customer.firstName ?? "Jamie",
        last_name: customer.lastName ?? "Rivera",
        email: customer.email ?? `jamie.${n}@example.com`,
        phone: "+15125550142",
        address: { line1: "12 Oak Ave", city: "Austin", state: "TX", postal_code: "78702" },
      },
      job: { crm_job_id: crmNumber(), description: "Termite treatment", estimate_cents: 750000 },
    },
  });
  expect(response.status()).toBe(201);
  const json = (await response.json()) as { application_id: string; apply_url: string };
  return { id: json.application_id, url: new URL(json.apply_url).pathname };
}

/**
 * Walks the form steps up to submitting, with the sandbox partners. `ssn` chooses the bureau
 * outcome. The journey of issue 17 (ADR 067): welcome → details with their consents → bank (the
 * identity check runs inline when the provider answers at once) → review. An identity page is
 * still walked when it shows (a provider that needs its hosted flow).
 */
export async function applyUntilSubmitted(
  page: Page,
  js: boolean,
  url: string,
  ssn: string,
  bank: "link" | "skip" = "link",
) {
  await page.goto(url);
  await ready(page, js);
  // A borrower coming back mid-way lands on the step they were at.
  const start = page.getByRole("button", { name: "Start my application" });
  if (await start.isVisible()) await start.click();

  await expect(page.getByRole("heading", { name: "A few details about you" })).toBeVisible();
  await ready(page, js);
  await fillDetailsAndConsents(page, ssn);
  await page.getByRole("button", { name: "Agree and continue" }).click();

  await expect(page.getByRole("heading", { name: "Link your bank account" })).toBeVisible();
  await ready(page, js);
  if (bank === "link") {
    await page.getByLabel(/First Sandbox Bank/).check();
    await page.getByRole("button", { name: "Link this bank" }).click();
  } else {
    await page.getByRole("button", { name: "Continue without linking a bank" }).click();
  }
  await submitFromReview(page, js);
}

/** The details page: the four typed fields and the three required consents (texts stay unticked). */
export async function fillDetailsAndConsents(page: Page, ssn: string) {
  await page.getByLabel("Date of birth").fill("1985-04-12");
  await page.getByLabel("Social Security number").fill(ssn);
  await page.getByLabel("Monthly income before taxes ($)").fill("6,000");
  await page.getByLabel("Monthly rent or mortgage ($)").fill("1500");
  // The page streams in: wait for all three consents before ticking them (all() takes what is there).
  const consents = page.getByLabel("I agree");
  await expect(consents).toHaveCount(3);
  for (const box of await consents.all()) await box.check();
}

/** From after the bank step to the submitted application (the identity page only if shown). */
export async function submitFromReview(page: Page, js: boolean) {
  const review = page.getByRole("heading", { name: "Check and submit" });
  const identity = page.getByRole("heading", { name: "Verify your identity" });
  await expect(review.or(identity)).toBeVisible();
  if (await identity.isVisible()) {
    await ready(page, js);
    await page.getByRole("button", { name: "Verify my identity" }).click();
    await expect(review).toBeVisible();
  }
  await ready(page, js);
  await page.getByRole("button", { name: "Submit my application" }).click();
}

/**
 * From the offers page (just after submitting an approvable application): chooses the first
 * offer and signs it as `fullName`, as the borrower does.
 */
export async function chooseFirstOfferAndSign(page: Page, js: boolean, fullName: string) {
  await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
    timeout: 20_000,
  });
  await ready(page, js);
  await page
    .locator("article.offer")
    .first()
    .getByRole("button", { name: /Choose/ })
    .click();
  await expect(page.getByRole("heading", { name: "Read and sign your agreement" })).toBeVisible();
  await ready(page, js);
  await page.getByLabel(/Type your full name/).fill(fullName);
  await page.getByLabel("I agree").check();
  await page.getByRole("button", { name: "Sign my agreement" }).click();
}
