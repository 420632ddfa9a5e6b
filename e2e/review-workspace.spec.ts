import { randomBytes, randomInt } from "node:crypto";
import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { applyUntilSubmitted, demoApiKey } from "./borrower-helpers";
import { ready, signIn } from "./helpers";

/**
 * The review workspace (issue 18, ADR 074), JavaScript off and on: the sandbox's thin-file case
 * (SSN …1111) and high-DTI case (SSN …8888, a $2,800/month loan on $6,000 income) reach manual
 * review; the underwriter's page shows every evidence block on one screen (screenshots attached),
 * the queue shows the review's SLA timer, and "Re-pull credit (soft)" shows a new report.
 */
const cases = [
  { name: "thin file", ssn: "123-45-1111", reason: "Thin credit file", fired: "thin_file" },
  {
    name: "high DTI",
    ssn: "123-45-8888",
    reason: "Debt-to-income above the ceiling",
    fired: "dti_ceiling",
  },
] as const;

/** The page's blocks, by heading: each must be on the one screen the underwriter works from. */
const evidenceHeadings = [
  "Credit bureau",
  "Bank data",
  "Income and debt-to-income",
  "Identity",
  "Rules",
  "Documents",
  "Previous applications",
  "Credit re-pull (soft)",
  "Actions",
];

/**
 * What a CRM does, with numeric CRM ids (the demo merchant's CRM is FieldRoutes, whose ids are
 * numbers) and this test's own phone: one customer, `jobs` applications for different jobs.
 */
async function offerFinancing(request: APIRequestContext, projectName: string, lastName: string) {
  // At most 18 digits (adapters/fieldroutes/ids.ts).
  const customerId = `${Date.now()}${randomInt(100, 1000)}`;
  const phone = `+15128${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;
  const email = `jamie.${customerId}@example.com`;
  const offer = async () => {
    const response = await request.post("/api/v1/crm/offer-financing", {
      headers: { Authorization: `Bearer ${demoApiKey(projectName)}` },
      data: {
        crm: "fieldroutes",
        crm_customer_id: customerId,
        customer: {
          first_name: "Jamie",
          last_name: lastName,
          email,
          phone,
          address: { line1: "12 Oak Ave", city: "Austin", state: "TX", postal_code: "78702" },
        },
        job: {
          crm_job_id: `${Date.now()}${randomInt(10_000, 100_000)}`,
          description: "Termite treatment",
          estimate_cents: 750000,
        },
      },
    });
    expect(response.status(), await response.text()).toBe(201);
    const json = (await response.json()) as { application_id: string; apply_url: string };
    return { id: json.application_id, url: new URL(json.apply_url).pathname };
  };
  // An earlier application of the same person (another job): "Previous applications" lists it.
  const earlier = await offer();
  return { earlier, app: await offer() };
}

/** A full-page screenshot kept in the test's output directory and attached to its report. */
async function screenshot(page: Page, info: TestInfo, name: string) {
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: "image/png" });
}

for (const js of [false, true]) {
  test.describe(`Review workspace, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    for (const c of cases) {
      test(`${c.name}: every evidence block on the review, then a soft re-pull`, async ({
        page,
        request,
      }, info) => {
        const lastName = `Evidence${randomBytes(3).toString("hex")}`;
        const customerName = `Jamie ${lastName}`;
        const { earlier, app } = await offerFinancing(request, info.project.name, lastName);
        await applyUntilSubmitted(page, js, app.url, c.ssn);
        await expect(
          page.getByRole("heading", { name: "A specialist is reviewing your application" }),
        ).toBeVisible({ timeout: 20_000 });

        await signIn(page, js);
        await page.goto("/ops/reviews");
        await ready(page, js);
        const row = page.getByRole("row").filter({ hasText: customerName });
        await expect(row).toContainText(c.reason);
        // The SLA timer is rendered by the server: there without JavaScript.
        await expect(row).toContainText(/Due in \d+ h/);
        await row.getByRole("link", { name: customerName }).click();

        await expect(
          page.getByRole("heading", { name: `Manual review: ${customerName}` }),
        ).toBeVisible();
        await ready(page, js);
        for (const heading of evidenceHeadings) {
          await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
        }
        await expect(page.getByRole("table", { name: "Credit bureau: tradelines" })).toBeVisible();
        await expect(page.getByLabel("Bank summary")).toContainText("Months with income deposits");
        await expect(page.getByLabel("Stated and verified income")).toContainText("Debt-to-income");
        await expect(page.getByLabel("Identity checks")).toContainText("Fraud signals");
        const rules = page.getByRole("table", { name: "Rules and their inputs" });
        await expect(rules.getByRole("row").nth(1)).toContainText(c.fired);
        await expect(rules.getByRole("row").nth(1)).toContainText("fired");
        if (c.fired === "dti_ceiling") {
          await expect(page.getByLabel("Stated and verified income")).toContainText("ceiling 50 %");
        } else {
          await expect(page.getByLabel("Credit bureau: summary")).toContainText("2 (2)");
        }
        const previous = page.getByRole("table", { name: "Other applications of the same person" });
        await expect(previous.getByRole("row")).toHaveCount(2);
        await expect(previous).toContainText("phone and e-mail");
        await expect(previous.getByRole("link")).toHaveAttribute(
          "href",
          `/ops/applications/${earlier.id}`,
        );
        // Masked: the last four digits only.
        await expect(previous).toContainText("(•••) •••-");
        await screenshot(page, info, `review-${c.name.replace(/\s/g, "-")}-${js ? "js" : "nojs"}`);

        await page.getByRole("button", { name: "Re-pull credit (soft)" }).click();
        await expect(page.getByRole("heading", { name: "Re-pulled credit report" })).toBeVisible();
        await expect(page.getByText(/^Re-pulled .* by /)).toBeVisible();
        await expect(
          page.getByText("No change from the reviewed decision's report", { exact: false }),
        ).toBeVisible();
        await screenshot(
          page,
          info,
          `review-${c.name.replace(/\s/g, "-")}-repulled-${js ? "js" : "nojs"}`,
        );
      });
    }
  });
}
