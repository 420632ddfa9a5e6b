import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { FieldCipher } from "~/app/security/encryption.server";
import {
  applyUntilSubmitted,
  chooseFirstOfferAndSign,
  dataDir,
  demoApiKey,
  e2eDatabase,
  offerFinancing,
} from "./borrower-helpers";
import { ready, signIn } from "./helpers";

/**
 * The underwriter's "request information" and "counter-offer" (issue 18, ADRs 076–077), end to
 * end with JavaScript off and on: a document asked for, uploaded by the borrower on the texted
 * link, and the review back in the queue with it; a counter-offer for less, accepted by the
 * borrower by signing one of its plans.
 */

/** The last text of `template` sent for the application, decrypted as the sandbox would send it. */
async function lastText(project: string, applicationId: string, template: string) {
  const secrets = JSON.parse(readFileSync(`${dataDir(project)}/dev-secrets.json`, "utf8")) as {
    encryptionKeys: { id: string; key: string }[];
  };
  const cipher = new FieldCipher(
    secrets.encryptionKeys.map(({ id, key }) => ({ id, key: Buffer.from(key, "base64") })),
  );
  const db = e2eDatabase(project);
  try {
    const rows = await db.execute({
      sql: `SELECT body_enc FROM messages WHERE application_id = ? AND template = ?
              AND channel = 'sms' ORDER BY created_at DESC LIMIT 1`,
      args: [applicationId, template],
    });
    const stored = rows.rows[0]?.body_enc;
    return stored ? cipher.decrypt(String(stored), "messages.body") : null;
  } finally {
    db.close();
  }
}

/** A new application the engine sends to review (thin file), assigned to the signed-in operator. */
async function assignedReview(page: Page, js: boolean, project: string) {
  const lastName = `Req${randomBytes(3).toString("hex")}`;
  const customerName = `Jamie ${lastName}`;
  const app = await offerFinancing(page.request, project, { lastName });
  await applyUntilSubmitted(page, js, app.url, "123-45-1111");
  await expect(
    page.getByRole("heading", { name: "A specialist is reviewing your application" }),
  ).toBeVisible({ timeout: 20_000 });
  await signIn(page, js);
  await page.goto("/ops/reviews");
  await ready(page, js);
  await page
    .getByRole("row")
    .filter({ hasText: customerName })
    .getByRole("button", { name: `Assign to me: review of ${customerName}` })
    .click();
  await expect(page.getByText("Assigned to you")).toBeVisible();
  await ready(page, js);
  return { app, customerName, reviewUrl: new URL(page.url()).pathname };
}

const payStub = {
  name: "paystub.pdf",
  mimeType: "application/pdf",
  buffer: Buffer.from("%PDF-1.4\n% pay stub, November\n%%EOF\n"),
};

/** On the review page: a counter-offer of $5,000 for "too little credit history". */
async function makeCounterOffer(page: Page, js: boolean) {
  await page.getByRole("link", { name: "Counter-offer" }).click();
  await expect(page.getByRole("heading", { name: /^Counter-offer/ })).toBeVisible();
  await ready(page, js);
  await page.getByLabel("Amount to finance (dollars)").fill("5,000");
  await page.getByRole("button", { name: "Price it" }).click();
  await expect(page.getByTestId("counter-plan").first()).toBeVisible();
  await expect(
    page.getByText(/the borrower pays \$2,500\.00 to the merchant directly/),
  ).toBeVisible();
  await ready(page, js);
  await page.getByRole("checkbox", { name: /Too little credit history/ }).check();
  await page.getByLabel("Note for the file").fill("Thin file: a smaller loan");
  await page.getByRole("button", { name: "Send the counter-offer" }).click();
  await expect(page.getByText("Counter-offer sent")).toBeVisible();
}

for (const js of [false, true]) {
  test.describe(`Review requests, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("request information: the borrower uploads on the link, the review is back with the document", async ({
      page,
    }, info) => {
      test.setTimeout(150_000);
      const project = info.project.name;
      const { app, customerName, reviewUrl } = await assignedReview(page, js, project);

      await page.getByRole("link", { name: "Request information" }).click();
      await expect(page.getByRole("heading", { name: /^Request information/ })).toBeVisible();
      await ready(page, js);
      // Nothing asked: refused on the field, nothing sent.
      await page.getByLabel("Message to the borrower").fill("Please help us finish your review.");
      await page.getByRole("button", { name: "Send the request" }).click();
      await expect(page.locator("#documentKind-error")).toHaveText(
        "Ask for a document, a question, or both",
      );
      await expect(page.getByLabel("Message to the borrower")).toHaveValue(
        "Please help us finish your review.",
      );
      await page.getByLabel("Document needed").selectOption("proof_of_income");
      await page.getByRole("button", { name: "Send the request" }).click();
      await expect(page.getByTestId("waiting-for-borrower")).toBeVisible();

      // Out of the active queue while it waits.
      await page.goto("/ops/reviews");
      await expect(page.getByRole("heading", { name: /queue/i }).first()).toBeVisible();
      const queued = page
        .getByRole("table", { name: "Open manual reviews" })
        .getByRole("row")
        .filter({ hasText: customerName });
      const waiting = page
        .getByRole("table", { name: "Reviews waiting for the borrower" })
        .getByRole("row")
        .filter({ hasText: customerName });
      await expect(queued).toHaveCount(0);
      // …but in sight, below the queue, with when the request times out.
      await expect(waiting).toHaveCount(1);
      await page.goto(reviewUrl);
      await expect(
        page.getByText("Waiting for the borrower (information requested)"),
      ).toBeVisible();

      // The borrower's text carries the link; the page takes the upload (no JavaScript needed).
      const text = await lastText(project, app.id, "info_requested");
      const link = /\/info\/[A-Za-z0-9_-]+/.exec(text ?? "")?.[0];
      expect(link).toBeTruthy();
      await page.goto(link!);
      await expect(
        page.getByRole("heading", { name: "We need a little more from you" }),
      ).toBeVisible();
      await expect(page.getByTestId("info-message")).toHaveText(
        "Please help us finish your review.",
      );
      await ready(page, js);
      await page.getByRole("button", { name: "Send" }).click();
      await expect(page.getByText("Choose a file to upload")).toBeVisible();
      await page.getByLabel(/Proof of income/).setInputFiles(payStub);
      await page.getByRole("button", { name: "Send" }).click();
      await expect(page.getByText("We have your answer.")).toBeVisible();

      // Back in the queue, the document on the request page.
      await page.goto("/ops/reviews");
      await expect(queued).toHaveCount(1);
      await expect(waiting).toHaveCount(0);
      await page.goto(reviewUrl);
      await page.getByRole("link", { name: "Request information (1 answered)" }).click();
      await expect(page.getByTestId("info-request")).toHaveAttribute("data-status", "answered");
      const download = page.getByTestId("info-document");
      await expect(download).toHaveText("paystub.pdf");
      const file = await page.request.get((await download.getAttribute("href"))!);
      expect(file.status()).toBe(200);
      expect(file.headers()["content-disposition"]).toContain("attachment");
      expect((await file.body()).subarray(0, 5).toString()).toBe("%PDF-");
    });

    test("counter-offer: a lower amount, accepted by the borrower by signing", async ({
      page,
    }, info) => {
      test.setTimeout(150_000);
      const project = info.project.name;
      const { app, customerName, reviewUrl } = await assignedReview(page, js, project);

      await page.getByRole("link", { name: "Counter-offer" }).click();
      await expect(page.getByRole("heading", { name: /^Counter-offer/ })).toBeVisible();
      await ready(page, js);
      await page.getByLabel("Amount to finance (dollars)").fill("5,000");
      await page.getByRole("button", { name: "Price it" }).click();
      await expect(page.getByTestId("counter-plan").first()).toBeVisible();
      await expect(
        page.getByText(/the borrower pays \$2,500\.00 to the merchant directly/),
      ).toBeVisible();
      await ready(page, js);
      // Without a reason: refused on the field, nothing written.
      await page.getByLabel("Note for the file").fill("Thin file: a smaller loan");
      await page.getByRole("button", { name: "Send the counter-offer" }).click();
      await expect(
        page.getByText("Give at least one reason the terms asked for are refused"),
      ).toBeVisible();
      await page.getByRole("checkbox", { name: /Too little credit history/ }).check();
      await page.getByLabel("Note for the file").fill("Thin file: a smaller loan");
      await page.getByRole("button", { name: "Send the counter-offer" }).click();
      await expect(page.getByText("Counter-offer sent")).toBeVisible();
      await expect(page.getByTestId("counter-offer")).toHaveAttribute("data-status", "offered");
      expect(await lastText(project, app.id, "counter_offer")).toContain("$5,000.00");

      // The borrower reads the counter-offer with the plans, and signs one.
      await page.goto(app.url);
      await expect(page.getByTestId("counter-offer-callout")).toContainText(
        "we can offer $5,000.00",
      );
      await chooseFirstOfferAndSign(page, js, customerName);
      await expect(page.getByRole("heading", { name: "You're all set" })).toBeVisible();

      const status = await page.request.get(`/api/v1/crm/applications/${app.id}`, {
        headers: { Authorization: `Bearer ${demoApiKey(project)}` },
      });
      expect(["offer_accepted", "pending_funding", "funded"]).toContain(
        ((await status.json()) as { status: string }).status,
      );
      // FlowOps sees the borrower's answer.
      await page.goto(`${reviewUrl}/counter-offer`);
      await expect(page.getByTestId("counter-offer")).toHaveAttribute("data-status", "accepted");
    });

    test("counter-offer declined by the borrower: the application ends declined, with the notice", async ({
      page,
    }, info) => {
      test.setTimeout(150_000);
      const project = info.project.name;
      const { app, reviewUrl } = await assignedReview(page, js, project);
      await makeCounterOffer(page, js);

      await page.goto(app.url);
      await ready(page, js);
      await page.getByRole("link", { name: "decline the counter-offer" }).click();
      await expect(page.getByRole("heading", { name: "Decline the counter-offer?" })).toBeVisible();
      await ready(page, js);
      await page.getByRole("button", { name: "Decline the counter-offer" }).click();
      await expect(page.locator("#confirm-error")).toHaveText(
        "Tick the box to confirm you decline the counter-offer",
      );
      await page.getByLabel("I decline the counter-offer").check();
      await page.getByRole("button", { name: "Decline the counter-offer" }).click();
      await expect(
        page.getByRole("heading", { name: "We couldn't approve your application" }),
      ).toBeVisible();
      await expect(page.getByText("Limited credit experience")).toBeVisible();

      const status = await page.request.get(`/api/v1/crm/applications/${app.id}`, {
        headers: { Authorization: `Bearer ${demoApiKey(project)}` },
      });
      expect(((await status.json()) as { status: string }).status).toBe("declined");
      await page.goto(`${reviewUrl}/counter-offer`);
      await expect(page.getByTestId("counter-offer")).toHaveAttribute("data-status", "declined");
    });
  });
}
