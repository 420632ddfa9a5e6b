import AxeBuilder from "@axe-core/playwright";
import { createClient } from "@libsql/client";
import { expect, test, type Page } from "@playwright/test";
import { applyUntilSubmitted, dataDir, offerFinancing } from "./borrower-helpers";
import { ready, signIn } from "./helpers";
import { approveAsAnalyst, submitForApproval } from "./policy-helpers";

/** No serious or critical accessibility violations on the page as it is now. */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/** The e2e server's database, with a busy timeout: the server writes to it at the same time. */
function database(projectName: string) {
  return createClient({ url: `file:${dataDir(projectName)}/flowpay.db`, timeout: 5000 });
}

async function goto(page: Page, js: boolean, path: string, heading: string) {
  await page.goto(path);
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  await ready(page, js);
}

/** The published version number shown on a rules or pricing page. */
async function publishedVersion(page: Page) {
  const text = await page.getByRole("heading", { name: /^Published: version \d+$/ }).innerText();
  return Number(/(\d+)$/.exec(text)![1]);
}

/** A draft left open by an earlier, failed run would stop a new one from starting. */
async function discardOpenDraft(page: Page, js: boolean) {
  const discard = page.getByRole("button", { name: /^Discard draft v\d+$/ });
  if (await discard.isVisible()) {
    await discard.click();
    await expect(page.getByText(/Draft v\d+ discarded/)).toBeVisible();
    await ready(page, js);
  }
}

for (const js of [false, true]) {
  test.describe(`FlowOps admin, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("an analyst publishes a rule change and the next decision uses it", async ({
      page,
      request,
      browser,
    }, info) => {
      test.setTimeout(150_000);
      // A score no other spec uses (SSN …7230 → 723, …7240 → 724): the change touches nobody else.
      const score = js ? 724 : 723;
      const ssn = `123-45-${score}0`;
      const key = `e2e_band_${score}`;

      // Under the published rules, this applicant is approved.
      const before = await offerFinancing(request, info.project.name);
      await applyUntilSubmitted(page, js, before.url, ssn);
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });

      await signIn(page, js);
      await goto(page, js, "/ops/rules", "Rules");
      await discardOpenDraft(page, js);
      const original = await publishedVersion(page);
      await page.getByRole("button", { name: `Start a draft from version ${original}` }).click();
      await expect(page.getByText(/Draft v\d+ started/)).toBeVisible();
      await ready(page, js);
      const rows = await page.locator('input[name$="-key"]').count();
      if (js) await expectAccessible(page);

      // A new rule in the empty row, with a value that is not a number: publishing is refused.
      await page.getByLabel("New rule: key", { exact: true }).fill(key);
      await page.getByLabel("New rule: name", { exact: true }).fill(`Score band ${score}`);
      await page.getByLabel("New rule: field", { exact: true }).selectOption("credit.score");
      await page.getByLabel("New rule: operator", { exact: true }).selectOption("in");
      await page.getByLabel("New rule: value", { exact: true }).fill("abc");
      await page.getByLabel("New rule: action", { exact: true }).selectOption("manual_review");
      await page
        .getByLabel("New rule: reason code", { exact: true })
        .selectOption("low_credit_score");
      await page.getByRole("button", { name: /^Submit v\d+ for approval$/ }).click();
      const refusal = page.getByRole("alert").filter({ hasText: "Not published" });
      await expect(refusal).toBeVisible();
      await expect(
        refusal
          .getByRole("row", { name: new RegExp(key) })
          .getByText('credit.score in needs a number, not "abc"'),
      ).toBeVisible();
      await ready(page, js);

      // The rule was saved in the draft as row `rows`; fix its value and validate.
      const value = page.getByLabel(`Rule ${rows}: value`, { exact: true });
      await expect(value).toHaveValue("abc");
      await value.fill(String(score));
      await page.getByRole("button", { name: "Validate" }).click();
      await expect(page.getByText("No problems: this draft can be published.")).toBeVisible();
      await ready(page, js);

      // Dry run on the approved application: the draft would send it to review.
      await page.getByLabel("Application id").fill(before.id);
      await page.getByRole("button", { name: "Dry run" }).click();
      const dryRun = page.getByRole("region", { name: `Dry run on ${before.id}` });
      await expect(dryRun).toBeVisible();
      await expect(
        dryRun.getByText("The draft changes the outcome: Approved → Manual review."),
      ).toBeVisible();
      await expect(
        dryRun.getByRole("row", { name: new RegExp(key) }).getByText("fires → Manual review"),
      ).toBeVisible();
      if (js) await expectAccessible(page);
      await ready(page, js);

      await page.getByLabel("Notes for this version").fill(`e2e: review score ${score}`);
      // Four eyes (ADR 069): the admin submits, the demo analyst approves and so publishes.
      await submitForApproval(page, js, "rules");
      await approveAsAnalyst(browser, js, "rules");
      await goto(page, js, "/ops/rules", "Rules");
      const changed = await publishedVersion(page);
      expect(changed).toBeGreaterThan(original);
      await expect(
        page.getByRole("row", { name: new RegExp(`v${changed} published`) }),
      ).toContainText(`e2e: review score ${score}`);

      try {
        // The next application with the same bureau file goes to manual review.
        const after = await offerFinancing(request, info.project.name);
        await applyUntilSubmitted(page, js, after.url, ssn);
        await expect(
          page.getByRole("heading", { name: "A specialist is reviewing your application" }),
        ).toBeVisible({ timeout: 20_000 });
      } finally {
        // Put the original rules back for every other spec: a copy of that version, published.
        await goto(page, js, "/ops/rules", "Rules");
        await discardOpenDraft(page, js);
        await page.getByRole("button", { name: `New draft from v${original}` }).click();
        await expect(page.getByText(/Draft v\d+ started/)).toBeVisible();
        await ready(page, js);
        await submitForApproval(page, js, "rules");
        await approveAsAnalyst(browser, js, "rules");
        await goto(page, js, "/ops/rules", "Rules");
        const restored = page.getByRole("region", { name: /^Published: version \d+$/ });
        await expect(restored.getByRole("rowheader", { name: "credit_score_floor" })).toBeVisible();
        await expect(restored.getByRole("rowheader", { name: key })).toHaveCount(0);
      }
    });

    test("an admin creates an API key, and once revoked the CRM API refuses it", async ({
      page,
      request,
    }) => {
      await signIn(page, js);
      await goto(page, js, "/ops/merchants", "Merchants");
      await page.getByRole("link", { name: "Acme Pest Control" }).click();
      await expect(
        page.getByRole("heading", { level: 1, name: "Acme Pest Control" }),
      ).toBeVisible();
      await ready(page, js);
      const detailUrl = page.url();

      await page.getByLabel("Key name").fill(`e2e ${js ? "js" : "no-js"}`);
      await page.getByRole("button", { name: "Create API key" }).click();
      const shown = page.locator("#new-api-key");
      await expect(shown).toHaveText(/^fp_test_[\w-]{20,64}$/);
      const key = (await shown.innerText()).trim();
      await expect(page.getByText("it is shown only this once")).toBeVisible();
      if (js) await expectAccessible(page);

      const missing = `/api/v1/crm/applications/app_${"0".repeat(26)}`;
      const authorized = await request.get(missing, {
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(authorized.status()).toBe(404);

      // Shown once: the page never shows the key again.
      await page.goto(detailUrl);
      await ready(page, js);
      await expect(page.locator("#new-api-key")).toHaveCount(0);
      await expect(page.getByText(key)).toHaveCount(0);

      // Revoking asks first, saying what will happen (issue 18), then revokes on confirmation.
      await page.getByRole("button", { name: `Revoke key ${key.slice(0, 12)}` }).click();
      await expect(page.getByRole("heading", { name: /^Revoke API key .*\?$/ })).toBeVisible();
      await expect(page.getByText(/answers 401 unauthorized from then on/)).toBeVisible();
      await page.getByRole("button", { name: /^Revoke key .* now$/ }).click();
      await expect(page.getByText("API key revoked")).toBeVisible();
      const row = page.getByRole("row", { name: new RegExp(key.slice(0, 12)) });
      await expect(row).toContainText("revoked");

      const refused = await request.get(missing, { headers: { Authorization: `Bearer ${key}` } });
      expect(refused.status()).toBe(401);
    });

    test("the jobs monitor retries a dead job", async ({ page }, info) => {
      const db = database(info.project.name);
      const now = Date.now();
      const error = `e2e: simulated Twilio 500 (${js ? "js" : "no-js"} ${now})`;
      // A text whose message no longer exists: the handler skips it, so the retry completes.
      const inserted = await db.execute({
        sql: `INSERT INTO outbox (kind, payload, priority, state, run_at, attempts, max_attempts,
                last_error, created_at, updated_at)
              VALUES ('send-sms', ?, 3, 'dead', ?, 6, 6, ?, ?, ?) RETURNING id`,
        args: [JSON.stringify({ messageId: `msg_e2e_${now}` }), now, error, now, now],
      });
      const id = Number(inserted.rows[0]!.id);

      await signIn(page, js);
      await goto(page, js, "/ops/jobs", "Jobs");
      const dead = page.getByRole("region", { name: "Dead jobs" });
      const row = dead.getByRole("row", { name: new RegExp(`^${id}\\b`) });
      await expect(row).toContainText(error);
      await expect(row).toContainText("send-sms");
      if (js) await expectAccessible(page);

      await row.getByRole("button", { name: `Retry job ${id}` }).click();
      // The banner reads the job's state: the retry may have run (and completed) already.
      await expect(
        page.getByText(
          new RegExp(`Job ${id} (is queued again|was retried and (is running|completed))`),
        ),
      ).toBeVisible();
      await expect(dead.getByRole("row", { name: new RegExp(`^${id}\\b`) })).toHaveCount(0);
      await expect
        .poll(async () => {
          const result = await db.execute({
            sql: "SELECT state FROM outbox WHERE id = ?",
            args: [id],
          });
          return result.rows[0]?.state;
        })
        .toBe("completed");
      const audit = await db.execute({
        sql: "SELECT actor_type, ip, user_agent FROM audit_logs WHERE action = 'job.dead.retry' AND entity_id = ?",
        args: [String(id)],
      });
      expect(audit.rows).toHaveLength(1);
      expect(audit.rows[0]!.actor_type).toBe("operator");
      expect(audit.rows[0]!.user_agent).toBeTruthy();
      db.close();
    });

    test("pricing drafts validate with the publishing check; merchants are created with a masked account", async ({
      page,
    }) => {
      await signIn(page, js);
      await goto(page, js, "/ops/pricing", "Pricing");
      await discardOpenDraft(page, js);
      const version = await publishedVersion(page);
      await expect(page.getByRole("table", { name: `Version ${version}: tiers` })).toBeVisible();
      await page.getByRole("button", { name: `Start a draft from version ${version}` }).click();
      await expect(page.getByText(/Draft v\d+ started/)).toBeVisible();
      await ready(page, js);
      if (js) await expectAccessible(page);

      // The pricing editor is a form (issue 18): rates in percent, money in dollars.
      await page.getByLabel("APR cap (%)").fill("9");
      await page.getByRole("button", { name: "Validate" }).click();
      await expect(page.getByText(/note rate 9\.990 % is above the APR cap/).first()).toBeVisible();
      await ready(page, js);
      await page.getByLabel("Tier A: smallest amount ($)").fill("five hundred");
      await page.getByRole("button", { name: /^Submit v\d+ for approval$/ }).click();
      await expect(page.getByText(/The draft was not saved/)).toBeVisible();
      await expect(page.getByText(/Enter the smallest amount in dollars/)).toBeVisible();
      await ready(page, js);
      await page.getByRole("button", { name: /^Discard draft v\d+$/ }).click();
      await expect(page.getByText(/Draft v\d+ discarded/)).toBeVisible();
      expect(await publishedVersion(page)).toBe(version);

      const slug = `e2e-${js ? "js" : "nojs"}-${Date.now().toString(36)}`;
      await goto(page, js, "/ops/merchants/new", "Add a merchant");
      if (js) await expectAccessible(page);
      await page.getByLabel("Business name").fill(`E2E Termite Co ${js ? "JS" : "no JS"}`);
      await page.getByLabel("Slug").fill(slug);
      await page.getByLabel("Smallest amount financed ($)").fill("750");
      await page.getByLabel("Largest amount financed ($)").fill("12,500.50");
      await page.getByLabel("Merchant fee (% of the amount)").fill("3.75");
      await page.getByLabel("Disbursement account number").fill("1234-5678-9012");
      await page.getByRole("button", { name: "Create merchant" }).click();
      await expect(
        page.getByRole("heading", { level: 1, name: `E2E Termite Co ${js ? "JS" : "no JS"}` }),
      ).toBeVisible();
      await expect(page.getByText("Merchant created.")).toBeVisible();
      await ready(page, js);
      await expect(page.getByText("On file: the account ending in 9012")).toBeVisible();
      await expect(page.getByLabel("Largest amount financed ($)")).toHaveValue("12500.50");
      await expect(page.getByLabel("Merchant fee (% of the amount)")).toHaveValue("3.75");
      await expect(page.getByText("123456789012")).toHaveCount(0);
      if (js) await expectAccessible(page);

      // CRM connection (app/crm-sync): a failed test call stores nothing; the sandbox CRM connects.
      await page.getByLabel("Subdomain").fill("fail");
      await page.getByLabel("Authentication key").fill("e2e-key");
      await page.getByLabel("Authentication token").fill("e2e-token");
      await page.getByLabel(/Use the sandbox CRM/).check();
      await page.getByRole("button", { name: "Verify and connect" }).click();
      await expect(
        page.getByText(/Not connected: the test call failed \(AUTH_REJECTED\)/),
      ).toBeVisible();
      await expect(page.getByText("No CRM connection on file.")).toBeVisible();
      await ready(page, js);
      await page.getByLabel("Subdomain").fill(slug);
      await page.getByLabel("Authentication key").fill("e2e-key");
      await page.getByLabel("Authentication token").fill("e2e-token");
      await page.getByLabel(/Use the sandbox CRM/).check();
      await page.getByRole("button", { name: "Verify and connect" }).click();
      await expect(page.getByText(/FieldRoutes connected/)).toBeVisible();
      await ready(page, js);
      await expect(
        page.getByRole("row", { name: new RegExp(`fieldroutes \\(API key\\) connected ${slug}`) }),
      ).toBeVisible();
      await page.getByRole("button", { name: "Test the fieldroutes connection" }).click();
      await expect(page.getByText("The CRM connection works.")).toBeVisible();
      await ready(page, js);
      await page.getByRole("button", { name: "Disconnect fieldroutes" }).click();
      await expect(page.getByText(/CRM disconnected/)).toBeVisible();
      await ready(page, js);

      await page.getByRole("button", { name: "Suspend merchant" }).click();
      await expect(page.getByText(/Merchant suspended/)).toBeVisible();
      await page.getByRole("button", { name: "Reactivate merchant" }).click();
      await expect(page.getByText("Merchant reactivated.")).toBeVisible();
    });
  });
}
