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

export async function signIn(page: Page, javaScriptEnabled: boolean) {
  await page.goto("/ops/login");
  await ready(page, javaScriptEnabled);
  await page.getByLabel("Work e-mail").fill(demoOperator.email);
  await page.getByLabel("Password").fill(demoOperator.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Enter your verification code" })).toBeVisible();
  await ready(page, javaScriptEnabled);
  await page.getByLabel(/6-digit code/).fill(await generate({ secret: demoOperator.totpSecret }));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
}
