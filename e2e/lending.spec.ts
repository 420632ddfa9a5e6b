import { inflateSync } from "node:zlib";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { applyUntilSubmitted, demoApiKey, offerFinancing } from "./borrower-helpers";
import { ready } from "./helpers";

/**
 * Lending correctness from the borrower's side (issue 14, ADRs 032–034): a lender that refuses
 * the signed loan ends the application as lender_declined on the page and in the status API;
 * the declined applicant downloads the adverse action notice as a PDF naming the creditor with
 * a real address; the H-3 credit score disclosure comes with the offers; and no placeholder
 * reaches any borrower page or PDF.
 */

/** The sandbox lender's identity (app/lending/creditors.ts): what every page and PDF must name. */
const creditor = {
  name: "Bluebonnet Consumer Finance, LLC",
  address: "2100 Lakeshore Boulevard, Suite 400, Austin, TX 78704",
};
const placeholders = /to be set|\bTODO\b|lorem|example\.com/i;

/** The text a FlowPay PDF draws (strings shown with Tj; content streams plain since ADR 087, Flate-compressed before). */
function pdfText(bytes: Buffer): string {
  const raw = bytes.toString("latin1");
  const shown: string[] = [];
  for (const match of raw.matchAll(/(?<!end)stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(match[1]!, "latin1")).toString("latin1");
    } catch {
      content = match[1]!; // a plain content stream (ADR 087)
    }
    // Literal strings with \( \) \\ escaped (ADR 087), or hex strings (before).
    for (const text of content.matchAll(
      /<([0-9A-Fa-f]*)>\s*Tj|\(((?:\\[\s\S]|[^\\()])*)\)\s*Tj/g,
    )) {
      shown.push(
        text[1] !== undefined
          ? Buffer.from(text[1], "hex").toString("latin1")
          : text[2]!.replace(/\\([\s\S])/g, "$1"),
      );
    }
  }
  return shown.join(" ").replace(/\s+/g, " ");
}

async function downloadPdf(request: APIRequestContext, path: string) {
  const response = await request.get(path);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("application/pdf");
  const body = await response.body();
  expect(body.subarray(0, 5).toString()).toBe("%PDF-");
  return pdfText(body);
}

/** Every borrower page seen: no placeholder anywhere in it (the creditor's fields included). */
async function expectNoPlaceholder(page: Page, seen: string[]) {
  const text = await page.locator("body").innerText();
  seen.push(page.url());
  expect(text, page.url()).not.toMatch(placeholders);
}

/**
 * Scans every borrower page (documents and the JSON of client-side navigations under /apply/)
 * this page receives, for the placeholder patterns; `check()` asserts none was seen.
 */
function scanBorrowerResponses(page: Page) {
  const found: string[] = [];
  let scanned = 0;
  page.on("response", async (response) => {
    const url = new URL(response.url());
    const type = response.headers()["content-type"] ?? "";
    // Pages, loader data (JSON or a stream) and action answers; the PDFs are read apart.
    if (!url.pathname.startsWith("/apply/") || type === "" || /pdf/.test(type)) return;
    try {
      const body = await response.text();
      scanned += 1;
      const match = placeholders.exec(body);
      if (match) found.push(`${url.pathname}: ${match[0]}`);
    } catch {
      // A redirect or a navigation that went away has no body to read.
    }
  });
  return {
    check() {
      expect(found).toEqual([]);
      expect(scanned).toBeGreaterThanOrEqual(3);
    },
  };
}

/** No serious or critical accessibility violations on the page as it is now. */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

function email() {
  return `borrower.${Date.now().toString(36)}@mail.flowpay-e2e.test`;
}

async function crmStatus(request: APIRequestContext, project: string, id: string) {
  const response = await request.get(`/api/v1/crm/applications/${id}`, {
    headers: { Authorization: `Bearer ${demoApiKey(project)}` },
  });
  expect(response.status()).toBe(200);
  return (await response.json()) as { status: string; loan: { status: string } | null };
}

for (const js of [false, true]) {
  test.describe(`lending, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("a lender refusal after signing shows lender_declined to the borrower and the status API", async ({
      page,
      request,
    }, info) => {
      const seen: string[] = [];
      const scan = scanBorrowerResponses(page);
      const app = await offerFinancing(request, info.project.name, {
        lastName: "Rejected",
        email: email(),
      });
      await applyUntilSubmitted(page, js, app.url, "123-45-7800");
      await expect(page.getByRole("heading", { name: /You're approved/ })).toBeVisible({
        timeout: 20_000,
      });
      await expectNoPlaceholder(page, seen);
      // The creditor is named with the offers, and the H-3 credit score disclosure comes with them.
      await expect(page.getByTestId("creditor")).toContainText(creditor.address);
      await expect(
        page.getByRole("heading", { name: "Your Credit Score and the Price You Pay for Credit" }),
      ).toBeVisible();
      await expect(page.getByText(/^Your credit score: \d{3}$/)).toBeVisible();
      await expect(
        page.getByText(/ranks higher than \d+ percent of U\.S\. consumers/),
      ).toBeVisible();
      const scorePdf = await downloadPdf(request, `${app.url}/score-notice.pdf`);
      expect(scorePdf).toContain("Your Credit Score and the Price You Pay for Credit");
      expect(scorePdf).toContain(creditor.name);
      expect(scorePdf).not.toMatch(placeholders);

      await page
        .locator("article.offer")
        .first()
        .getByRole("button", { name: /Choose/ })
        .click();
      await expect(
        page.getByRole("heading", { name: "Read and sign your agreement" }),
      ).toBeVisible();
      await ready(page, js);
      await expectNoPlaceholder(page, seen);
      await expect(page.getByText(`Creditor: ${creditor.name}, ${creditor.address}`)).toBeVisible();
      await page.getByLabel(/Type your full name/).fill("Jamie Rejected");
      await page.getByLabel("I agree").check();
      await page.getByRole("button", { name: "Sign my agreement" }).click();

      // The lender refuses at once; the page tells the borrower (it refreshes itself; reloading is the same).
      const declined = page.getByRole("heading", { name: "The lender declined your loan" });
      await expect(async () => {
        if (!(await declined.isVisible())) await page.reload();
        await expect(declined).toBeVisible({ timeout: 2_000 });
      }).toPass({ timeout: 30_000 });
      await expect(page.getByText("you owe nothing on it", { exact: false })).toBeVisible();
      await expect(page.getByRole("heading", { name: "What happens next" })).toBeVisible();
      if (js) await expectAccessible(page);
      await expectNoPlaceholder(page, seen);
      expect(await crmStatus(request, info.project.name, app.id)).toMatchObject({
        status: "lender_declined",
        loan: { status: "lender_declined" },
      });

      // Every document of this path names the creditor, never a placeholder.
      const agreement = await downloadPdf(request, `${app.url}/agreement.pdf`);
      expect(agreement).toContain(creditor.name);
      expect(agreement).not.toMatch(placeholders);
      expect(seen.length).toBeGreaterThanOrEqual(3);
      // The borrower's documents: the agreement and the credit score disclosure.
      await expect(
        page.getByRole("link", { name: "Your credit score disclosure (PDF)" }),
      ).toBeVisible();
      scan.check();
    });

    test("a declined applicant downloads the notice PDF; it names the creditor with a real address", async ({
      page,
      request,
    }, info) => {
      const seen: string[] = [];
      const scan = scanBorrowerResponses(page);
      const app = await offerFinancing(request, info.project.name, { email: email() });
      await applyUntilSubmitted(page, js, app.url, "123-45-0000");
      await expect(
        page.getByRole("heading", { name: "We couldn't approve your application" }),
      ).toBeVisible({ timeout: 20_000 });
      await expectNoPlaceholder(page, seen);
      await expect(page.getByText(creditor.address)).toBeVisible();

      const link = page.getByRole("link", { name: "Download this notice (PDF)" });
      await expect(link).toBeVisible();
      if (js) await expectAccessible(page);
      const href = await link.getAttribute("href");
      expect(href).toBe(`${app.url}/notice.pdf`);
      const notice = await downloadPdf(request, href!);
      expect(notice).toContain("Notice of action taken on your credit application");
      expect(notice).toContain(creditor.name);
      expect(notice).toContain(creditor.address);
      expect(notice).toContain("Federal Trade Commission");
      expect(notice).not.toMatch(placeholders);
      // The link works in the browser too (a download, JavaScript or not).
      const download = page.waitForEvent("download");
      await link.click();
      expect((await download).suggestedFilename()).toMatch(/^flowpay-notice-of-action-.+\.pdf$/);
      scan.check();
    });
  });
}
