import { expect, type Page } from "@playwright/test";
import { generate } from "otplib";

/** The demo operator seeded in every fresh e2e database (app/demo/seed.server.ts). */
export const demoOperator = {
  email: "admin@flowpay.test",
  password: "flowpay-demo-password",
  totpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
};

/** With JavaScript on, wait until React has hydrated before interacting. */
export async function ready(page: Page, javaScriptEnabled: boolean) {
  if (javaScriptEnabled)
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

const lastSteps = new Map<string, number>();

/**
 * A TOTP code FlowOps will accept now. A code signs in once (RFC 6238 §5.2, ADR 005), and the
 * server accepts one 30-second step of clock drift: a second sign-in within the same step gets
 * the next step's code; a third waits for the clock.
 */
export async function freshTotp(secret: string) {
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const step = Math.max(now, (lastSteps.get(secret) ?? 0) + 1);
    if (step <= now + 1) {
      lastSteps.set(secret, step);
      return generate({ secret, epoch: step * 30 });
    }
    await new Promise((resolve) => setTimeout(resolve, (now + 1) * 30_000 - Date.now() + 50));
  }
}

export async function signIn(page: Page, javaScriptEnabled: boolean) {
  await page.goto("/ops/login");
  await ready(page, javaScriptEnabled);
  await page.getByLabel("Work e-mail").fill(demoOperator.email);
  await page.getByLabel("Password").fill(demoOperator.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Enter your verification code" })).toBeVisible();
  await ready(page, javaScriptEnabled);
  await page.getByLabel(/6-digit code/).fill(await freshTotp(demoOperator.totpSecret));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
}
