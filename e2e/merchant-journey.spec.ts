import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { dollarsToCents } from "~/app/money/dollars";
import { startWebhookReceiver } from "~/scripts/testing/webhook-receiver";
import { applyUntilSubmitted, chooseFirstOfferAndSign, e2eDatabase } from "./borrower-helpers";
import { ready, signIn } from "./helpers";
import {
  expectAccessible,
  fillSignupForm,
  inviteTeamMember,
  linkFromMessages,
  sendFinancingLinkByText,
  signInByLink,
} from "./merchant-helpers";

/**
 * The merchant's whole journey (issue 16, "Done when"), JavaScript off and on: a business signs
 * up at /merchant/signup, an operator approves it in FlowOps (funding mode "on signature": the
 * lender pays once the borrower signs — on-completion, the default, would need the job marked
 * complete first), the owner signs in by the e-mailed link, registers a webhook endpoint on a
 * local receiver and invites a staff member, who sends a financing link from the portal; the
 * borrower applies and signs; the portal shows the application funded and the next payout; the
 * receiver got application.created … loan.funded, every signature verified, each event id once.
 * The kill -9 mid-delivery half of "Done when" is app/webhooks/crash.test.ts (a vitest: it kills
 * a delivering process and restarts one, which reclaims the job at once, ADR 071).
 */

for (const js of [false, true]) {
  test.describe(`Merchant journey, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("sign up → approved → owner adds a webhook and invites staff → staff sends a link → funded, every event delivered once, signed", async ({
      page,
    }, info) => {
      test.setTimeout(240_000);
      const suffix = randomBytes(3).toString("hex");
      const business = `Journey Pest ${suffix}`;
      const owner = `owner.${suffix}@journey.example`;
      const staff = `staff.${suffix}@journey.example`;
      const [first, last] = js ? ["Avery", "Journeyjs"] : ["Blake", "Journeynojs"];
      const mobile = js ? "5125550182" : "5125550181";
      // Ports above the e2e servers' (E2E_PORT 4301 and Deno's 4302 in this helper's runs).
      const receiver = await startWebhookReceiver({
        port: 4303 + (info.project.name === "deno" ? 2 : 0) + (js ? 1 : 0),
      });
      try {
        // The sandbox messages page is FlowOps-only, and FlowOps approves: the demo admin first.
        await signIn(page, js);
        await page.goto("/merchant/signup");
        await ready(page, js);
        await expectAccessible(page, js);
        await fillSignupForm(page, business, owner);
        await page.getByRole("button", { name: "Send the application" }).click();
        await expect(
          page.getByRole("heading", { name: "Thank you — we received your application" }),
        ).toBeVisible();

        await page.goto("/ops/merchant-applications");
        await expect(page.getByRole("heading", { name: "Merchant applications" })).toBeVisible();
        await ready(page, js);
        await page.getByRole("link", { name: business }).click();
        await expect(page.getByRole("heading", { name: business })).toBeVisible();
        await ready(page, js);
        await page.getByLabel(/On signature/).check();
        await page.getByRole("button", { name: "Approve and e-mail the owner" }).click();
        await expect(page.getByText("Approved: the merchant was created")).toBeVisible();

        // The owner signs in by the link in the approval e-mail.
        await signInByLink(page, js, await linkFromMessages(page, owner, "/merchant/link?token="));
        await expect(page.getByText(business).first()).toBeVisible();
        await expectAccessible(page, js);

        // A webhook endpoint on the local receiver, every event; its secret is shown once.
        await page.getByRole("link", { name: "Webhooks", exact: true }).click();
        await expect(page.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible();
        await ready(page, js);
        await expectAccessible(page, js);
        await page.getByLabel("URL", { exact: true }).fill(receiver.url);
        await page.getByRole("button", { name: "Add endpoint" }).click();
        const secret = page.getByTestId("webhook-secret");
        await expect(secret).toHaveText(/\S{16,}/);
        receiver.setSecret((await secret.textContent())!.trim());
        await expect(page.getByRole("cell", { name: receiver.url, exact: true })).toBeVisible();
        await ready(page, js);
        await expectAccessible(page, js);

        // The owner invites a staff member.
        await inviteTeamMember(page, js, staff, "staff");
        await page.getByRole("button", { name: "Sign out" }).click();
        await expect(
          page.getByRole("heading", { name: "Sign in to the merchant portal" }),
        ).toBeVisible();

        // The staff member signs in by the invitation and sends a financing link by text.
        await signInByLink(page, js, await linkFromMessages(page, staff, "/merchant/link?token="));
        // Staff: no team, keys or webhooks (the integration is the owner's and managers').
        await expect(page.getByRole("link", { name: "Webhooks", exact: true })).toHaveCount(0);
        await expect(page.getByRole("link", { name: "Team" })).toHaveCount(0);
        const applicationPath = await sendFinancingLinkByText(page, js, {
          first,
          last,
          mobile,
          amount: "5,000",
          job: "Termites",
        });
        const applicationId = applicationPath.split("/").pop()!;

        // The borrower opens the texted link, applies and signs.
        const applyPath = await linkFromMessages(page, `+1${mobile}`, "/apply/");
        await applyUntilSubmitted(page, js, applyPath, "123-45-7800");
        await chooseFirstOfferAndSign(page, js, `${first} ${last}`);
        await expect(
          page.getByRole("heading", { name: /You're all set|Your loan is funded/ }),
        ).toBeVisible({ timeout: 20_000 });

        // The portal (the staff member is still signed in) shows it funded…
        await expect(async () => {
          await page.goto(applicationPath);
          await expect(page.getByRole("term").filter({ hasText: /^Funded$/ })).toBeVisible({
            timeout: 1000,
          });
        }).toPass({ timeout: 45_000 });
        // What the merchant was paid for the $5,000.00 job: the amount less the merchant fee.
        const funded = await page
          .locator("dt", { hasText: /^Funded$/ })
          .locator("+ dd")
          .innerText();
        const [paid, fee] = [...funded.matchAll(/\$([\d,]+\.\d\d)/g)].map((m) => m[1]!);
        expect(dollarsToCents(paid)! + dollarsToCents(fee)!).toBe(500_000);
        expect(dollarsToCents(fee)).toBeGreaterThan(0);
        await ready(page, js);
        await expectAccessible(page, js);
        // …and the overview the funded volume, the fees and the next payout (the portal has no
        // payouts page of its own: the overview's "Next payout" is where a merchant sees it).
        await page.getByRole("link", { name: "Overview" }).click();
        await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
        const stat = (name: string) => page.locator(".stat", { hasText: name });
        await expect(stat("Funded volume").locator(".stat-value")).toHaveText(`$${paid}`);
        await expect(stat("Funded volume")).toContainText("1 loan");
        await expect(stat("Merchant fees").locator(".stat-value")).toHaveText(`$${fee}`);
        // Nothing paid out yet: the whole funded amount is owed on the next payout.
        await expect(stat("Next payout").locator(".stat-value")).toHaveText(`$${paid}`);
        await ready(page, js);
        await expectAccessible(page, js);

        // The receiver got every event of the merchant, through loan.funded, each signed.
        const database = e2eDatabase(info.project.name);
        let events: { id: string; type: string }[] = [];
        try {
          await expect(async () => {
            const result = await database.execute({
              sql: `SELECT id, type FROM merchant_events
                    WHERE application_id = ? ORDER BY created_at, id`,
              args: [applicationId],
            });
            events = result.rows.map((r) => ({ id: String(r.id), type: String(r.type) }));
            expect(events.map((e) => e.type)).toContain("loan.funded");
            expect([...receiver.unique.keys()].sort()).toEqual(events.map((e) => e.id).sort());
          }).toPass({ timeout: 30_000 });
        } finally {
          database.close();
        }
        const types = events.map((e) => e.type);
        expect(types[0]).toBe("application.created");
        expect(types.at(-1)).toBe("loan.funded");
        for (const type of [
          "application.submitted",
          "application.approved",
          "application.offer_accepted",
          "loan.pending_funding",
        ]) {
          expect(types).toContain(type);
        }
        expect(receiver.all.length).toBeGreaterThan(0);
        expect(receiver.all.every((r) => r.verified && r.headerId === r.id)).toBe(true);
        expect([...receiver.unique.values()].every((r) => r.applicationId === applicationId)).toBe(
          true,
        );
      } finally {
        await receiver.close();
      }
    });
  });
}
