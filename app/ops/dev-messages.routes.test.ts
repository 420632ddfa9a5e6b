import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator } from "~/scripts/testing/ops-harness";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "~/app/config/env.server";
import * as devMessages from "~/app/routes/dev.messages";

/** /dev/messages shows texts with borrowers' link tokens: only to a signed-in operator. */
beforeAll(async () => {
  await appDatabase();
});

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnvCache();
});

describe("/dev/messages", () => {
  it("sends a visitor without a FlowOps session to the sign-in page", async () => {
    const result = await callOps(devMessages, { path: "/dev/messages" });
    expect(result).toBeInstanceOf(Response);
    const response = result as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^\/ops\/login\?/);
  });

  it("shows the sandbox messages to a signed-in operator", async () => {
    const op = await signedInOperator("support");
    const result = await callOps(devMessages, { path: "/dev/messages", cookie: op.cookie });
    expect(Array.isArray(result)).toBe(true);
  });

  it("does not exist in production, signed in or not", async () => {
    const op = await signedInOperator("admin");
    Object.assign(process.env, {
      FLOWPAY_ENV: "production",
      SESSION_SECRET: "s".repeat(40),
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString("base64")}`,
      METRICS_TOKEN: "m".repeat(24),
      SANDBOX_PARTNERS: "experian,plaid,persona,twilio,email,lender",
    });
    resetEnvCache();
    for (const cookie of [undefined, op.cookie]) {
      const result = await callOps(devMessages, { path: "/dev/messages", cookie });
      expect((result as Response).status).toBe(404);
    }
  });
});
