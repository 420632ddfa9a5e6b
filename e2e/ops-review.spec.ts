import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { FieldCipher } from "~/app/security/encryption.server";
import { hashPassword } from "~/app/security/password.server";
import {
  applyUntilSubmitted,
  crmNumber,
  dataDir,
  demoApiKey,
  e2eDatabase,
} from "./borrower-helpers";
import { freshTotp, ready } from "./helpers";

/**
 * FlowOps manual review end to end, JavaScript off and on: an underwriter takes a flagged
 * application (sandbox SSN …1111, thin file → manual review) from the queue, approves it, and the
 * borrower's link then shows offers to sign; a support user finds an application by phone but
 * never sees a full SSN.
 */
type Operator = { email: string; name: string; password: string; totpSecret: string };

/** An operator row made directly in the e2e server's database (password hash, encrypted TOTP secret). */
async function createOperator(
  projectName: string,
  role: "underwriter" | "support",
  name: string,
): Promise<Operator> {
  const suffix = randomBytes(5).toString("hex");
  const operator = {
    email: `${role}.${suffix}@flowpay.test`,
    name: `${name} ${suffix.slice(0, 4)}`,
    password: `e2e-${randomBytes(9).toString("base64url")}`,
    totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF",
  };
  // The server's own key (outside production it lives in DATA_DIR/dev-secrets.json).
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
            VALUES (?, ?, ?, ?, 'active', ?, ?, ?, '[]', 0, ?, ?)`,
      args: [
        `op_e2e${suffix}`,
        operator.email,
        operator.name,
        role,
        await hashPassword(operator.password),
        cipher.encrypt(operator.totpSecret, "operators.totp_secret"),
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

async function signInAs(page: Page, js: boolean, operator: Operator) {
  await page.goto("/ops/login");
  await ready(page, js);
  await page.getByLabel("Work e-mail").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Enter your verification code" })).toBeVisible();
  await ready(page, js);
  await page.getByLabel(/6-digit code/).fill(await freshTotp(operator.totpSecret, operator.email));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
}

/** What a CRM does, with a phone number of this test's own (E.164, US). */
async function offerFinancing(
  request: APIRequestContext,
  projectName: string,
  customer: { firstName: string; lastName: string; phone: string },
) {
  const n = randomBytes(6).toString("hex");
  const response = await request.post("/api/v1/crm/offer-financing", {
    headers: { Authorization: `Bearer ${demoApiKey(projectName)}` },
    data: {
      crm: "fieldroutes",
      crm_customer_id: crmNumber(),
      customer: {
        first_name: customer.firstName,
        last_name: customer.lastName,
        email: `${customer.firstName.toLowerCase()}.${n}@example.com`,
        phone: customer.phone,
        address: { line1: "12 Oak Ave", city: "Austin", state: "TX", postal_code: "78702" },
      },
      job: { crm_job_id: crmNumber(), description: "Termite treatment", estimate_cents: 750000 },
    },
  });
  expect(response.status()).toBe(201);
  const json = (await response.json()) as { application_id: string; apply_url: string };
  return { id: json.application_id, url: new URL(json.apply_url).pathname };
}

/** A phone number no other test uses: +1 512 7xx xxxx. */
const uniquePhone = () => `+15127${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;

/** A unique surname, so the queue row and the search result are this test's. */
const surname = (base: string) => `${base}${randomBytes(3).toString("hex")}`;

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

for (const js of [false, true]) {
  test.describe(`FlowOps manual review, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("an underwriter assigns and approves a flagged application; the borrower then sees offers", async ({
      page,
      request,
    }, info) => {
      const lastName = surname("Review");
      const customerName = `Jamie ${lastName}`;
      const app = await offerFinancing(request, info.project.name, {
        firstName: "Jamie",
        lastName,
        phone: uniquePhone(),
      });
      await applyUntilSubmitted(page, js, app.url, "123-45-1111");
      await expect(
        page.getByRole("heading", { name: "A specialist is reviewing your application" }),
      ).toBeVisible({ timeout: 20_000 });

      const underwriter = await createOperator(info.project.name, "underwriter", "Uma Underwriter");
      await signInAs(page, js, underwriter);
      await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
      await expect(page.getByRole("img", { name: /Applications per day/ })).toBeVisible();
      if (js) await expectAccessible(page);

      await page.getByRole("link", { name: "Review queue" }).first().click();
      await expect(page.getByRole("heading", { name: "Review queue" })).toBeVisible();
      await ready(page, js);
      const row = page.getByRole("row").filter({ hasText: customerName });
      await expect(row).toContainText("Thin credit file");
      if (js) await expectAccessible(page);
      await row.getByRole("button", { name: `Assign to me: review of ${customerName}` }).click();

      await expect(
        page.getByRole("heading", { name: `Manual review: ${customerName}` }),
      ).toBeVisible();
      await expect(page.getByText("Assigned to you")).toBeVisible();
      await ready(page, js);
      if (js) await expectAccessible(page);
      const offers = page.getByRole("checkbox", { name: /months: .*APR/ });
      await expect(offers.first()).toBeChecked();
      // At least two plans (auto-waiting: the list is read once the page has settled).
      await expect(offers.nth(1)).toBeVisible();
      for (const box of await offers.all()) await expect(box).toBeChecked();
      await page
        .getByLabel("Notes for the file")
        .first()
        .fill("Verified employment with the employer by phone");
      await page.getByRole("button", { name: "Approve" }).click();
      await expect(page.getByText(`Resolved: approved by ${underwriter.name}`)).toBeVisible();
      await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);

      // The application file: the underwriter's decision, and a reveal that needs a reason.
      await page.getByRole("link", { name: "Application file" }).click();
      await expect(
        page.getByRole("heading", { name: `Application of ${customerName}` }),
      ).toBeVisible();
      await expect(
        page.getByRole("heading", { name: new RegExp(`^Approved — ${underwriter.name}`) }),
      ).toBeVisible();
      await expect(page.getByTestId("ssn")).toHaveText("•••••1111");
      await ready(page, js);
      if (js) await expectAccessible(page);
      await page.getByLabel(/^Reason/).fill("Ticket E2E-1: identity confirmation");
      await page.getByRole("button", { name: "Reveal SSN" }).click();
      await expect(page.getByTestId("ssn")).toHaveText("123-45-1111");
      await expect(page.getByRole("status").filter({ hasText: "audit log" })).toBeVisible();

      // The borrower's link now shows offers to sign.
      await page.goto(app.url);
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible();
      const cards = page.locator("article.offer");
      expect(await cards.count()).toBeGreaterThanOrEqual(2);
      await expect(
        cards.first().getByText("Annual percentage rate", { exact: true }),
      ).toBeVisible();
      await expect(cards.first().getByRole("button", { name: /Choose/ })).toBeVisible();

      const db = e2eDatabase(info.project.name);
      try {
        const decided = await db.execute({
          sql: "SELECT status, decided_by FROM decisions WHERE application_id = ? ORDER BY decided_at",
          args: [app.id],
        });
        expect(decided.rows.map((r) => r.status)).toEqual(["manual_review", "approved"]);
        expect(decided.rows[1]!.decided_by).toMatch(/^op_e2e/);
        const reveal = await db.execute({
          sql: "SELECT details FROM audit_logs WHERE action = 'pii.reveal' AND entity_id = ?",
          args: [app.id],
        });
        expect(JSON.parse(String(reveal.rows[0]!.details))).toMatchObject({
          field: "ssn",
          reason: "Ticket E2E-1: identity confirmation",
        });
      } finally {
        db.close();
      }
    });

    test("support finds an application by the customer's phone and never sees a full SSN", async ({
      page,
      request,
      baseURL,
    }, info) => {
      const lastName = surname("Support");
      const phone = uniquePhone();
      const app = await offerFinancing(request, info.project.name, {
        firstName: "Robin",
        lastName,
        phone,
      });
      await applyUntilSubmitted(page, js, app.url, "123-45-7800");
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });

      const support = await createOperator(info.project.name, "support", "Sam Support");
      await signInAs(page, js, support);
      // No queue in support's navigation (the dashboard's tile opens the applications list).
      await expect(
        page.getByRole("navigation").getByRole("link", { name: "Review queue" }),
      ).toHaveCount(0);
      await page.getByRole("link", { name: "Applications", exact: true }).click();
      await expect(page.getByRole("heading", { name: "Applications" })).toBeVisible();
      await ready(page, js);
      // Typed the way a caller reads it out: "(512) 7xx-xxxx".
      const spoken = `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
      await page.getByLabel("Search").fill(spoken);
      await page.getByRole("button", { name: "Search" }).click();
      await expect(page).toHaveURL(/q=/);
      const results = page.getByRole("table").getByRole("row");
      await expect(results).toHaveCount(2); // the header row and this application
      if (js) await expectAccessible(page);
      await page.getByRole("link", { name: `Robin ${lastName}` }).click();

      await expect(
        page.getByRole("heading", { name: `Application of Robin ${lastName}` }),
      ).toBeVisible();
      await expect(page.getByTestId("ssn")).toHaveText("•••••7800");
      await expect(page.getByTestId("dob")).toHaveText("••/••/1985");
      await expect(page.getByRole("button", { name: /Reveal/ })).toHaveCount(0);
      const html = await page.content();
      expect(html).not.toContain("123-45-7800");
      expect(html).not.toContain("123457800");

      // Posting the reveal form anyway is refused (and audited as access.denied).
      const refused = await page.request.post(`/ops/applications/${app.id}`, {
        form: { field: "ssn", reason: "I would like to see it, please" },
        headers: { Origin: baseURL! },
      });
      expect(refused.status()).toBe(403);
      expect(await refused.text()).not.toContain("7800");
    });
  });
}
