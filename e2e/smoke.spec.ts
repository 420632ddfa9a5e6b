import { expect, test } from "@playwright/test";
import { demoOperator, ready, signIn } from "./helpers";

for (const javaScriptEnabled of [false, true]) {
  test.describe(`smoke, JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("the service endpoints answer", async ({ request }) => {
      const health = await request.get("/health");
      expect(health.status()).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      const readyRes = await request.get("/ready");
      expect(readyRes.status()).toBe(200);
      expect(readyRes.headers()["x-request-id"]).toMatch(/^req_/);
      const unknown = await request.get("/api/v1/does-not-exist");
      expect(unknown.status()).toBe(404);
      expect((await unknown.json()).error.code).toBe("not_found");
    });

    test("an operator signs in with password and TOTP, then signs out", async ({ page }) => {
      await signIn(page, javaScriptEnabled);
      await expect(page.getByText(demoOperator.email)).toBeVisible();
      await page.getByRole("button", { name: "Sign out" }).click();
      await expect(page.getByRole("heading", { name: "Sign in to FlowOps" })).toBeVisible();
      // The ended session no longer opens FlowOps.
      await page.goto("/ops");
      await expect(page).toHaveURL(/\/ops\/login\?next=%2Fops/);
    });

    test("a wrong password and a wrong code are refused with a clear message", async ({ page }) => {
      await page.goto("/ops/login");
      await ready(page, javaScriptEnabled);
      await page.getByLabel("Work e-mail").fill(demoOperator.email);
      await page.getByLabel("Password").fill("not-the-password");
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page.getByRole("alert")).toHaveText(/don't match an active operator/);

      await page.getByLabel("Work e-mail").fill(demoOperator.email);
      await page.getByLabel("Password").fill(demoOperator.password);
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(
        page.getByRole("heading", { name: "Enter your verification code" }),
      ).toBeVisible();
      await ready(page, javaScriptEnabled);
      await page.getByLabel(/6-digit code/).fill("000000");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert")).toHaveText(/code isn't right/);
      await page.goto("/ops");
      await expect(page).toHaveURL(/\/ops\/login/);
    });

    test("documents carry an enforced CSP whose nonce is on every script", async ({ page }) => {
      const response = await page.goto("/ops/login");
      const csp = response!.headers()["content-security-policy"];
      const nonce = csp?.match(/'nonce-([^']+)'/)![1];
      const html = await response!.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    });
  });
}
