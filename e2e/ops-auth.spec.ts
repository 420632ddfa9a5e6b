import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { e2eDatabase } from "./borrower-helpers";
import { freshTotp, ready, signIn } from "./helpers";

/**
 * FlowOps sign-in hardening, Users and Audit log screens, JavaScript off and on. The demo admin
 * is never locked out here (other specs sign in with it): lockout runs on operators this spec
 * invites.
 */

async function expectAccessible(page: Page, js: boolean) {
  // axe runs in the page: only with JavaScript on (the markup is the same either way).
  if (!js) return;
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

let counter = 0;
function uniqueEmail(prefix: string) {
  counter += 1;
  return `${prefix}.${Date.now().toString(36)}.${counter}@flowpay.test`;
}

async function signOut(page: Page, js: boolean) {
  await ready(page, js);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to FlowOps" })).toBeVisible();
}

/** As the signed-in admin: invites an operator on the Users screen; returns the one-time password. */
async function invite(page: Page, js: boolean, role: string, email = uniqueEmail(role)) {
  await page.goto("/ops/users");
  await ready(page, js);
  await page.getByRole("link", { name: "Invite an operator" }).click();
  await expect(page.getByRole("heading", { name: "Invite an operator" })).toBeVisible();
  await ready(page, js);
  await page.getByLabel("Work e-mail").fill(email);
  await page.getByLabel("Name").fill(`E2E ${role}`);
  await page.getByLabel("Role").selectOption(role);
  await page.getByRole("button", { name: "Invite operator" }).click();
  await expect(page.getByRole("heading", { name: "Operator invited" })).toBeVisible();
  const password = (await page.getByTestId("temporary-password").textContent())!.trim();
  const href = await page.getByRole("link", { name: `View ${email}` }).getAttribute("href");
  const id = href!.split("/").pop()!;
  return { email, password, id };
}

async function submitPassword(page: Page, js: boolean, email: string, password: string) {
  await page.goto("/ops/login");
  await ready(page, js);
  await page.getByLabel("Work e-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** First sign-in of an invited operator: password, then TOTP enrollment from the page's secret. */
async function enroll(page: Page, js: boolean, user: { email: string; password: string }) {
  await submitPassword(page, js, user.email, user.password);
  await expect(page.getByRole("heading", { name: "Set up your authenticator app" })).toBeVisible();
  await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
  await expectAccessible(page, js);
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await ready(page, js);
  await page.getByLabel(/6-digit code/).fill(await freshTotp(secret));
  await page.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(page.getByRole("heading", { name: "Save your recovery codes" })).toBeVisible();
  const codes = await page
    .getByRole("list", { name: "Recovery codes" })
    .locator("code")
    .allTextContents();
  expect(codes).toHaveLength(10);
  await ready(page, js);
  await page.getByRole("link", { name: /continue to FlowOps/ }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  return { secret, recoveryCodes: codes };
}

/** The signed session id inside the __flowpay_ops cookie (Remix: base64 JSON + "." + signature). */
async function sessionIdFromCookie(page: Page) {
  const cookie = (await page.context().cookies()).find((c) => c.name === "__flowpay_ops");
  const value = decodeURIComponent(cookie!.value);
  const encoded = value.slice(0, value.lastIndexOf("."));
  return JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as string;
}

for (const js of [false, true]) {
  test.describe(`FlowOps sign-in, users and audit, JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("the admin signs in with TOTP and sees the Users and Audit log screens", async ({
      page,
    }) => {
      await signIn(page, js);
      await page
        .getByRole("navigation", { name: "FlowOps" })
        .getByRole("link", { name: "Users" })
        .click();
      await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
      await expect(page.getByRole("columnheader", { name: "MFA" })).toBeVisible();
      await expect(page.getByRole("row", { name: /admin@flowpay\.test/ })).toContainText(
        "Enrolled",
      );
      await expectAccessible(page, js);

      await page
        .getByRole("navigation", { name: "FlowOps" })
        .getByRole("link", { name: "Audit log" })
        .click();
      await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
      await expect(page.getByRole("cell", { name: "operator.login" }).first()).toBeVisible();
      await expectAccessible(page, js);
      await ready(page, js);
      await page.getByLabel("Action (starts with)").fill("operator.login");
      await page.getByLabel("Actor (e-mail or id)").fill("admin@flowpay.test");
      await page.getByRole("button", { name: "Filter" }).click();
      await expect(page).toHaveURL(/action=operator\.login/);
      await expect(page.getByRole("cell", { name: "operator.login" }).first()).toBeVisible();
      await expect(page.getByRole("cell", { name: "operator.create" })).toHaveCount(0);
    });

    test("repeated bad passwords lock an account; the right password then gets the same answer", async ({
      page,
    }, testInfo) => {
      await signIn(page, js);
      const user = await invite(page, js, "support");
      await signOut(page, js);

      for (let i = 1; i <= 4; i++) {
        await submitPassword(page, js, user.email, `wrong password ${i}`);
        await expect(page.getByRole("alert")).toHaveText(/don't match an active operator/);
      }
      await submitPassword(page, js, user.email, "wrong password 5");
      await expect(page.getByRole("alert")).toHaveText(/locked/);
      await submitPassword(page, js, user.email, user.password);
      await expect(page.getByRole("alert")).toHaveText(/locked/);
      await expect(page.getByRole("heading", { name: "Sign in to FlowOps" })).toBeVisible();

      const db = e2eDatabase(testInfo.project.name);
      try {
        const result = await db.execute({
          sql: "SELECT action FROM audit_logs WHERE entity_id = ? ORDER BY id",
          args: [user.id],
        });
        const actions = result.rows.map((r) => r.action);
        expect(actions.filter((a) => a === "operator.login_failed")).toHaveLength(5);
        expect(actions).toContain("operator.locked");
        expect(actions).toContain("operator.login_refused_locked");
      } finally {
        db.close();
      }
    });

    test("an invited operator enrolls TOTP, signs in, and later uses a recovery code", async ({
      page,
    }) => {
      await signIn(page, js);
      const user = await invite(page, js, "underwriter");
      await signOut(page, js);

      const { secret, recoveryCodes } = await enroll(page, js, user);
      await signOut(page, js);

      // The next sign-in asks for a code from the enrolled authenticator.
      await submitPassword(page, js, user.email, user.password);
      await expect(
        page.getByRole("heading", { name: "Enter your verification code" }),
      ).toBeVisible();
      await ready(page, js);
      await page.getByLabel(/6-digit code/).fill(await freshTotp(secret, user.email));
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
      await signOut(page, js);

      // A recovery code replaces the TOTP code once.
      for (const attempt of ["works", "used"] as const) {
        await submitPassword(page, js, user.email, user.password);
        await expect(
          page.getByRole("heading", { name: "Enter your verification code" }),
        ).toBeVisible();
        await ready(page, js);
        await page.getByText("Lost your authenticator? Use a recovery code").click();
        await page.getByLabel("Recovery code").fill(recoveryCodes[0]!);
        await page.getByRole("button", { name: "Use recovery code" }).click();
        if (attempt === "works") {
          await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
          await signOut(page, js);
        } else {
          await expect(page.getByRole("alert")).toHaveText(/already been used/);
        }
      }
    });

    test("an expired session redirects to the login page with a message", async ({
      page,
    }, testInfo) => {
      await signIn(page, js);
      const sessionId = await sessionIdFromCookie(page);
      const db = e2eDatabase(testInfo.project.name);
      try {
        await db.execute({
          sql: "UPDATE operator_sessions SET last_seen_at = ? WHERE id = ?",
          args: [Date.now() - 16 * 60 * 1000, sessionId],
        });
      } finally {
        db.close();
      }
      await page.goto("/ops/users");
      await expect(page).toHaveURL(/\/ops\/login\?.*reason=expired/);
      await expect(page.getByRole("status")).toHaveText(/session expired/);
      // Signing in again returns to the page that was asked for.
      await ready(page, js);
      await page.getByLabel("Work e-mail").fill("admin@flowpay.test");
      await page.getByLabel("Password").fill("flowpay-demo-password");
      await page.getByRole("button", { name: "Continue" }).click();
      await ready(page, js);
      await page
        .getByLabel(/6-digit code/)
        .fill(await freshTotp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "admin@flowpay.test"));
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
    });

    test("a support operator is refused Users and Audit log with a 403 page, and it is audited", async ({
      page,
    }, testInfo) => {
      await signIn(page, js);
      const user = await invite(page, js, "support");
      await signOut(page, js);
      await enroll(page, js, user);
      const nav = page.getByRole("navigation", { name: "FlowOps" });
      await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
      await expect(nav.getByRole("link", { name: "Audit log" })).toHaveCount(0);

      for (const path of ["/ops/users", "/ops/audit"]) {
        const response = await page.goto(path);
        expect(response!.status()).toBe(403);
        await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
      }
      const db = e2eDatabase(testInfo.project.name);
      try {
        const result = await db.execute({
          sql: "SELECT entity_id FROM audit_logs WHERE action = 'access.denied' AND actor_id = ? ORDER BY id",
          args: [user.id],
        });
        expect(result.rows.map((r) => r.entity_id)).toEqual(["read:user", "read:audit"]);
      } finally {
        db.close();
      }
    });

    test("the admin manages an operator: role change, MFA reset and deactivation end their sessions", async ({
      page,
    }) => {
      await signIn(page, js);
      const user = await invite(page, js, "support");
      await page.goto(`/ops/users/${user.id}`);
      await ready(page, js);
      await page.getByLabel("Role").selectOption("risk_analyst");
      await page.getByRole("button", { name: "Change role" }).click();
      await expect(page.getByRole("status")).toHaveText(/Role changed to Risk analyst/);
      await ready(page, js);
      await page.getByRole("button", { name: "Reset MFA" }).click();
      await expect(page.getByRole("status")).toHaveText(/MFA reset/);
      await ready(page, js);
      await page.getByRole("button", { name: "Deactivate" }).click();
      await expect(page.getByRole("status")).toHaveText(/Operator deactivated/);
      await expect(page.getByRole("button", { name: "Reactivate" })).toBeVisible();
      await expectAccessible(page, js);

      // The admin's own page offers neither demotion nor deactivation.
      await page.goto("/ops/users");
      await page.getByRole("link", { name: "Demo Admin" }).click();
      await expect(page.getByText("You can't change your own role")).toBeVisible();
      await expect(page.getByRole("button", { name: "Deactivate" })).toHaveCount(0);

      // A deactivated operator cannot sign in.
      await signOut(page, js);
      await submitPassword(page, js, user.email, user.password);
      await expect(page.getByRole("alert")).toHaveText(/don't match an active operator/);
    });

    test("a cross-site form post is refused", async ({ page }) => {
      await signIn(page, js);
      const email = uniqueEmail("csrf");
      const form = { email, name: "Mallory", role: "admin" };
      // A foreign Origin: the HTTP hook refuses it before Remix's own check (which would answer
      // 500) or any route code runs: a 403 page (ADR 022).
      const foreign = await page.request.post("/ops/users/new", {
        headers: { Origin: "https://evil.example" },
        form,
        maxRedirects: 0,
      });
      expect(foreign.status()).toBe(403);
      // No Origin at all (Remix lets it through): FlowOps' same-origin check refuses it.
      const noOrigin = await page.request.post("/ops/users/new", { form, maxRedirects: 0 });
      expect(noOrigin.status()).toBe(403);
      const login = await page.request.post("/ops/login", {
        headers: { Origin: "https://evil.example" },
        form: { email: "admin@flowpay.test", password: "flowpay-demo-password" },
        maxRedirects: 0,
      });
      expect(login.status()).toBe(403);
      expect(login.headers()["set-cookie"]).toBeUndefined();
      // The same form from our own page works (the session is fine); nothing was created above.
      await page.goto("/ops/users");
      await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
      await expect(page.getByText(email)).toHaveCount(0);
    });
  });
}
