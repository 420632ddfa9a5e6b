import { randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { fundedMockLoan, mockLoanRecord } from "~/adapters/lender/fake-settlement";
import { e2eDatabase } from "./borrower-helpers";
import { ready, signIn } from "./helpers";

/**
 * Reconciliation end to end, JavaScript off and on (ADR 056): the lender's books hold a loan
 * FlowPay's ledger never heard of (put straight into the embedded mock lender's store, as a lost
 * `loan.funded` would leave it); an operator reconciles yesterday; the difference appears in the
 * FlowOps queue with both sides, and is resolved with a note.
 */
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

async function lenderFundedUnknownLoan(projectName: string) {
  const suffix = randomBytes(5).toString("hex");
  const loan = fundedMockLoan({
    loanId: `loan_e2e_recon_${suffix}`,
    lenderLoanId: `LN-E2E-${suffix.toUpperCase()}`,
    merchantId: "mer_e2e_unknown",
    amountCents: 432_100,
    fundedAt: new Date(`${yesterday()}T12:00:00Z`),
  });
  const record = mockLoanRecord(loan);
  const db = e2eDatabase(projectName);
  try {
    await db.execute({
      sql: "INSERT OR REPLACE INTO mock_lender_records (kind, key, body) VALUES (?, ?, ?)",
      args: [record.kind, record.key, record.body],
    });
  } finally {
    db.close();
  }
  return loan.external_loan_id;
}

async function noSeriousViolations(page: Page, js: boolean) {
  // axe runs in the page: only with JavaScript on (the markup is the same either way).
  if (!js) return;
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

for (const js of [false, true]) {
  test.describe(`FlowOps reconciliation, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("a loan only the lender reports shows up with both sides and is resolved with a note", async ({
      page,
    }, info) => {
      // Two cores shared by a server, its job runner and Chromium.
      test.setTimeout(90_000);
      const loanId = await lenderFundedUnknownLoan(info.project.name);
      await signIn(page, js);
      await page
        .getByRole("navigation", { name: "FlowOps" })
        .getByRole("link", { name: "Reconciliation" })
        .click();
      await expect(page.getByRole("heading", { name: "Reconciliation", level: 1 })).toBeVisible();
      await ready(page, js);
      await noSeriousViolations(page, js);

      await expect(page.getByLabel("Settlement date")).toHaveValue(yesterday());
      await page.getByRole("button", { name: "Reconcile now" }).click();
      await expect(page.getByText("Reconciliation requested")).toBeVisible();

      // The outbox job runs in the server; the queue shows its result once it has.
      const link = page.getByRole("link", { name: loanId });
      await expect
        .poll(
          async () => {
            await page.goto("/ops/reconciliation");
            return link.count();
          },
          { timeout: 20_000, message: "the reconciliation job's item" },
        )
        .toBe(1);
      const row = page.getByRole("row").filter({ has: link });
      await expect(row).toContainText("The lender reports it; our ledger has nothing");
      await expect(row).toContainText("$4,321.00");

      await link.click();
      await expect(page.getByRole("heading", { name: "Disbursement difference" })).toBeVisible();
      await expect(page.getByText(`Loan ${loanId}`)).toBeVisible();
      const sides = page.getByRole("table", { name: "The two sides" });
      await expect(sides.getByRole("row", { name: /Disbursement amount/ })).toContainText(
        "$4,321.00",
      );
      await expect(sides.getByRole("row", { name: /Disbursement amount/ })).toContainText(
        "Nothing",
      );
      await expect(sides).toContainText("No ledger lines that day");
      await ready(page, js);
      await noSeriousViolations(page, js);

      await page
        .getByLabel("Resolution note")
        .fill("Lender confirmed the loan was funded in error and will reverse it.");
      await page.getByRole("button", { name: "Resolve" }).click();
      await expect(page.getByText("Difference resolved.")).toBeVisible();
      await expect(page.getByRole("heading", { name: "Resolved" })).toBeVisible();
      await expect(page.getByText("will reverse it")).toBeVisible();
      await expect(page.getByRole("button", { name: "Resolve" })).toHaveCount(0);

      await page.goto("/ops/reconciliation?status=resolved");
      await expect(page.getByRole("link", { name: loanId })).toBeVisible();
    });
  });
}
