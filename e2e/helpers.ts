import { createClient } from "@libsql/client";
import { expect, test, type Page } from "@playwright/test";
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

/**
 * A TOTP code FlowOps will accept now. A code signs in only once (RFC 6238 §5.2), so a second
 * sign-in of one operator within 30 seconds would be refused: these flows are not about replay
 * (app/ops/totp-replay.server.test.ts is), so with `email` the operator's last accepted time step
 * is forgotten first — test setup, straight in the e2e server's database.
 */
export async function freshTotp(secret: string, email?: string) {
  if (email) {
    const db = createClient({
      url: `file:${process.env.E2E_DATA_DIR ?? "e2e/.data"}/${test.info().project.name}/flowpay.db`,
      timeout: 5000,
    });
    try {
      await db.execute({
        sql: "UPDATE operators SET totp_last_step = NULL WHERE email = ?",
        args: [email],
      });
    } finally {
      db.close();
    }
  }
  return generate({ secret });
}

/** The demo's second operator, a risk analyst: approves the admin's policy drafts (ADR 069). */
export const demoAnalyst = {
  email: "analyst@flowpay.test",
  password: demoOperator.password,
  totpSecret: "KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF",
};

export async function signIn(
  page: Page,
  javaScriptEnabled: boolean,
  operator: typeof demoOperator = demoOperator,
) {
  await page.goto("/ops/login");
  await ready(page, javaScriptEnabled);
  await page.getByLabel("Work e-mail").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Enter your verification code" })).toBeVisible();
  await ready(page, javaScriptEnabled);
  await page.getByLabel(/6-digit code/).fill(await freshTotp(operator.totpSecret, operator.email));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
}
