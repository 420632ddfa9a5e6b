import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { generate } from "otplib";
import { FieldCipher } from "~/app/security/encryption.server";
import { hashPassword } from "~/app/security/password.server";
import {
  applyUntilSubmitted,
  crmNumber,
  dataDir,
  demoApiKey,
  e2eDatabase,
} from "./borrower-helpers";
import { ready } from "./helpers";

/**
 * Funding conditions end to end, JavaScript off and on (ADR 035): an underwriter approves a
 * flagged application on the condition of a proof of income; the borrower signs, but the loan is
 * not paid out; the borrower uploads a document from their link, FlowOps rejects it (the
 * borrower reads why and sends it again), then clears it — and only then is the loan funded.
 */
const totpSecret = "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF";

async function createUnderwriter(projectName: string) {
  const suffix = randomBytes(5).toString("hex");
  const operator = {
    email: `underwriter.${suffix}@flowpay.test`,
    name: `Cora Conditions ${suffix.slice(0, 4)}`,
    password: `e2e-${randomBytes(9).toString("base64url")}`,
  };
  const secrets = JSON.parse(readFileSync(`${dataDir(projectName)}/dev-secrets.json`, "utf8")) as {
    encryptionKeys: { id: string; key: string }[];
  };
  const cipher = new FieldCipher(
    secrets.encryptionKeys.map(({ id, key }) => ({ id, key: Buffer.from(key, "base64") })),
  );
  const now = Date.now();
  const db = e2eDatabase(projectName);
  try {
    await db.execute({
      sql: `INSERT INTO operators (id, email, name, role, status, password_hash, totp_secret_enc,
              totp_enabled_at, recovery_code_hashes, failed_attempts, created_at, updated_at)
            VALUES (?, ?, ?, 'underwriter', 'active', ?, ?, ?, '[]', 0, ?, ?)`,
      args: [
        `op_e2e${suffix}`,
        operator.email,
        operator.name,
        await hashPassword(operator.password),
        cipher.encrypt(totpSecret, "operators.totp_secret"),
        now,
        now,
        now,
      ],
    });
  } finally {
    db.close();
  }
  return operator;
}

async function signIn(page: Page, js: boolean, operator: { email: string; password: string }) {
  await page.goto("/ops/login");
  await ready(page, js);
  await page.getByLabel("Work e-mail").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Enter your verification code" })).toBeVisible();
  await ready(page, js);
  await page.getByLabel(/6-digit code/).fill(await generate({ secret: totpSecret }));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
}

async function offerFinancing(request: APIRequestContext, projectName: string, lastName: string) {
  const n = randomBytes(6).toString("hex");
  const response = await request.post("/api/v1/crm/offer-financing", {
    headers: { Authorization: `Bearer ${demoApiKey(projectName)}` },
    data: {
      crm: "fieldroutes",
      crm_customer_id: crmNumber(),
      customer: {
        first_name: "Casey",
        last_name: lastName,
        email: `casey.${n}@example.com`,
        phone: `+15127${String(randomInt(0, 1_000_000)).padStart(6, "0")}`,
        address: { line1: "12 Oak Ave", city: "Austin", state: "TX", postal_code: "78702" },
      },
      job: {
        crm_job_id: crmNumber(),
        description: "Termite treatment",
        estimate_cents: 750000,
      },
    },
  });
  expect(response.status()).toBe(201);
  const json = (await response.json()) as { application_id: string; apply_url: string };
  return { id: json.application_id, url: new URL(json.apply_url).pathname };
}

/** The loan's state in the server's database: its disbursement and the request-disbursement jobs. */
async function loanState(projectName: string, applicationId: string) {
  const db = e2eDatabase(projectName);
  try {
    const loan = await db.execute({
      sql: "SELECT id, lender_loan_id, disbursement_id FROM loans WHERE application_id = ?",
      args: [applicationId],
    });
    const row = loan.rows[0];
    if (!row) return { loan: false, lenderLoan: false, disbursed: false, jobs: [] as string[] };
    const jobs = await db.execute({
      sql: `SELECT state FROM outbox WHERE kind = 'request-disbursement'
              AND json_extract(payload, '$.loanId') = ? ORDER BY id`,
      args: [String(row.id)],
    });
    return {
      loan: true,
      lenderLoan: row.lender_loan_id !== null,
      disbursed: row.disbursement_id !== null,
      jobs: jobs.rows.map((j) => String(j.state)),
    };
  } finally {
    db.close();
  }
}

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

const document = (text: string) => ({
  name: "payslip.pdf",
  mimeType: "application/pdf",
  buffer: Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`),
});

for (const js of [false, true]) {
  test.describe(`Funding conditions, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("a conditional approval is not funded until FlowOps clears the borrower's document", async ({
      page,
      request,
    }, info) => {
      test.setTimeout(150_000);
      const project = info.project.name;
      const lastName = `Cond${randomBytes(3).toString("hex")}`;
      const customerName = `Casey ${lastName}`;
      const app = await offerFinancing(request, project, lastName);
      await applyUntilSubmitted(page, js, app.url, "123-45-1111");
      await expect(
        page.getByRole("heading", { name: "A specialist is reviewing your application" }),
      ).toBeVisible({ timeout: 20_000 });

      // The underwriter approves on the condition of a proof of income.
      const underwriter = await createUnderwriter(project);
      await signIn(page, js, underwriter);
      await page.goto("/ops/reviews");
      await ready(page, js);
      await page
        .getByRole("row")
        .filter({ hasText: customerName })
        .getByRole("button", { name: `Assign to me: review of ${customerName}` })
        .click();
      await expect(page.getByText("Assigned to you")).toBeVisible();
      await ready(page, js);
      const reviewUrl = new URL(page.url()).pathname;
      await page.getByRole("checkbox", { name: "Proof of income" }).check();
      await page.getByLabel("Notes for the file").first().fill("Approved if the income is shown");
      await page.getByRole("button", { name: "Approve" }).click();
      await expect(page.getByText(`Resolved: approved by ${underwriter.name}`)).toBeVisible();
      await expect(
        page.getByRole("link", { name: "Funding conditions (1 open of 1)" }),
      ).toBeVisible();

      // The borrower is told what is needed, and signs.
      await page.goto(app.url);
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible();
      await expect(page.getByTestId("conditions-callout")).toContainText("a document");
      await page
        .locator("article.offer")
        .first()
        .getByRole("button", { name: /Choose/ })
        .click();
      await expect(
        page.getByRole("heading", { name: "Read and sign your agreement" }),
      ).toBeVisible();
      await ready(page, js);
      await page.getByLabel(/Type your full name/).fill(customerName);
      await page.getByLabel("I agree").check();
      await page.getByRole("button", { name: "Sign my agreement" }).click();
      await expect(page.getByRole("heading", { name: "You're all set" })).toBeVisible();
      await expect(page.getByText("First we need the documents below.")).toBeVisible();

      // The lender creates the loan; its disbursement job runs and stops at the open condition.
      await expect
        .poll(async () => loanState(project, app.id), { timeout: 30_000 })
        .toEqual({ loan: true, lenderLoan: true, disbursed: false, jobs: ["completed"] });

      // The borrower uploads a document (a plain multipart form).
      await page.getByRole("link", { name: "See what is needed and upload" }).click();
      await expect(page.getByRole("heading", { name: "Documents we need" })).toBeVisible();
      await ready(page, js);
      if (js) await expectAccessible(page);
      await page.getByLabel("Choose the file").setInputFiles(document("first scan"));
      await page.getByRole("button", { name: "Upload" }).click();
      await expect(page.getByText("Received — being checked")).toBeVisible();

      // FlowOps opens it (audited) and rejects it: the borrower reads why and sends it again.
      await page.goto(`${reviewUrl}/conditions`);
      await expect(page.getByRole("heading", { name: /^Funding conditions/ })).toBeVisible();
      await ready(page, js);
      await expect(
        page.getByText("Funding is on hold until every condition is cleared."),
      ).toBeVisible();
      if (js) await expectAccessible(page);
      const link = page.getByRole("link", { name: "Open payslip.pdf" });
      const file = await page.request.get((await link.getAttribute("href"))!);
      expect(file.status()).toBe(200);
      expect(file.headers()["content-disposition"]).toContain("attachment");
      expect((await file.body()).subarray(0, 5).toString()).toBe("%PDF-");
      await page.getByLabel(/^Note/).fill("The scan is unreadable, please send a clearer copy");
      await page.getByRole("button", { name: "Reject document" }).click();
      await expect(page.getByText(/Not accepted/)).toBeVisible();

      await page.goto(`${app.url}/conditions`);
      await ready(page, js);
      await expect(page.getByTestId("rejection-reason")).toHaveText(
        "Why: The scan is unreadable, please send a clearer copy",
      );
      await page.getByLabel("Send it again").setInputFiles(document("clear scan"));
      await page.getByRole("button", { name: "Upload" }).click();
      await expect(page.getByText("Received — being checked")).toBeVisible();
      expect((await loanState(project, app.id)).disbursed).toBe(false);

      // Cleared: funding is released, and the loan is funded.
      await page.goto(`${reviewUrl}/conditions`);
      await ready(page, js);
      await page.getByLabel(/^Note/).fill("Pay stub matches the stated income");
      await page.getByRole("button", { name: "Clear condition" }).click();
      await expect(
        page.getByText("Every condition is cleared: funding is released."),
      ).toBeVisible();
      await expect
        .poll(
          async () => {
            const response = await request.get(`/api/v1/crm/applications/${app.id}`, {
              headers: { Authorization: `Bearer ${demoApiKey(project)}` },
            });
            return ((await response.json()) as { status: string }).status;
          },
          { timeout: 45_000 },
        )
        .toBe("funded");
      const final = await loanState(project, app.id);
      expect(final.disbursed).toBe(true);
      expect(final.jobs).toEqual(["completed", "completed"]);
    });
  });
}
