import { describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import {
  createSandboxBankLink,
  sandboxWebhookKey,
  signSandboxWebhook,
  SANDBOX_WEBHOOK_KID,
} from "./sandbox";
import { sandboxBanks } from "./sandbox-banks";
import { type BankSummary } from "./types";

async function partnerError(promise: Promise<unknown>): Promise<PartnerError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  return error as PartnerError;
}

const NOW = new Date("2025-06-30T15:00:00Z");
const sandbox = () => createSandboxBankLink({ now: () => NOW });

async function summaryOf(bankId: string, now = NOW): Promise<BankSummary> {
  const bank = sandboxBanks.find((b) => b.id === bankId);
  if (!bank) throw new Error(`no bank ${bankId}`);
  const adapter = createSandboxBankLink({ now: () => now });
  const { accessToken } = await adapter.exchangePublicToken(bank.publicToken);
  return adapter.summarize(accessToken);
}

describe("sandbox bank chooser", () => {
  it("lists the four documented banks with distinct fixed public tokens", () => {
    expect(sandboxBanks.map((b) => [b.id, b.publicToken])).toEqual([
      ["healthy", "public-sandbox-healthy"],
      ["thin", "public-sandbox-thin"],
      ["overdrafts", "public-sandbox-overdrafts"],
      ["link-failure", "public-sandbox-link-failure"],
    ]);
    for (const bank of sandboxBanks) {
      expect(bank.label).not.toBe("");
      expect(bank.description).not.toBe("");
    }
  });

  it("creates a fake link token that expires in 4 hours", async () => {
    const result = await sandbox().createLinkToken({ clientUserId: "app_123" });
    expect(result.linkToken).toMatch(/^link-sandbox-/);
    expect(result.expiration).toBe("2025-06-30T19:00:00.000Z");
  });

  it("exchanges a bank's public token for fixed access token and item id", async () => {
    await expect(sandbox().exchangePublicToken("public-sandbox-healthy")).resolves.toEqual({
      accessToken: "access-sandbox-healthy",
      itemId: "item-sandbox-healthy",
    });
  });

  it("link failure: a permanent ITEM_LOGIN_REQUIRED", async () => {
    const error = await partnerError(sandbox().exchangePublicToken("public-sandbox-link-failure"));
    expect(error).toMatchObject({
      partner: "plaid",
      status: 400,
      code: "ITEM_LOGIN_REQUIRED",
      permanent: true,
    });
  });

  it("an unknown public token or access token is permanent, and the token is not echoed", async () => {
    const bad = await partnerError(sandbox().exchangePublicToken("public-sandbox-nope"));
    expect(bad).toMatchObject({ code: "INVALID_PUBLIC_TOKEN", permanent: true });
    const secretish = "access-sandbox-link-failure";
    const denied = await partnerError(sandbox().summarize(secretish));
    expect(denied).toMatchObject({ code: "INVALID_ACCESS_TOKEN", permanent: true });
    expect(denied.message).not.toContain(secretish);
  });

  it("an aborted call is transient", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await partnerError(
      sandbox().exchangePublicToken("public-sandbox-healthy", controller.signal),
    );
    expect(error).toMatchObject({ code: "ABORTED", permanent: false });
  });
});

describe("sandbox summaries", () => {
  it("healthy: payroll $5,200/month, average about $4,000, never overdrawn", async () => {
    expect(await summaryOf("healthy")).toEqual({
      averageBalanceCents: 401726,
      minimumBalanceCents: 138142,
      currentBalanceCents: 601257,
      overdraftCount: 0,
      nsfCount: 0,
      monthlyIncomeDepositsCents: 520000,
      incomeDepositCount: 6,
      daysOfHistory: 90,
      accountCount: 2,
      accountMasks: ["4821", "9073"],
      incomeDepositMonths: 3,
      monthsObserved: 3,
    });
  });

  it("thin: 10 days, one account, small balance, no payroll", async () => {
    expect(await summaryOf("thin")).toEqual({
      averageBalanceCents: 24401,
      minimumBalanceCents: 21240,
      currentBalanceCents: 21240,
      overdraftCount: 0,
      nsfCount: 0,
      monthlyIncomeDepositsCents: 0,
      incomeDepositCount: 0,
      daysOfHistory: 10,
      accountCount: 1,
      accountMasks: ["5512"],
      incomeDepositMonths: 0,
      monthsObserved: 1,
    });
  });

  it("overdrafts: four NSF/overdraft fees, four overdrawn spells, minimum below zero", async () => {
    const s = await summaryOf("overdrafts");
    expect(s).toEqual({
      averageBalanceCents: 37752,
      minimumBalanceCents: -66808,
      currentBalanceCents: 3812,
      overdraftCount: 8,
      nsfCount: 4,
      monthlyIncomeDepositsCents: 210000,
      incomeDepositCount: 6,
      daysOfHistory: 90,
      accountCount: 1,
      accountMasks: ["7730"],
      incomeDepositMonths: 3,
      monthsObserved: 3,
    });
    expect(s.minimumBalanceCents).toBeLessThan(0);
  });

  it("is the same whatever the date (the data is dated relative to today)", async () => {
    for (const id of ["healthy", "thin", "overdrafts"]) {
      const a = await summaryOf(id, new Date("2024-02-29T23:59:59Z"));
      const b = await summaryOf(id, new Date("2031-11-05T00:00:01Z"));
      expect(a).toEqual(b);
    }
  });
});

describe("sandbox webhooks", () => {
  const body = JSON.stringify({
    webhook_type: "TRANSACTIONS",
    webhook_code: "SYNC_UPDATES_AVAILABLE",
    item_id: "item-sandbox-healthy",
  });

  it("accepts a body signed with the sandbox key", async () => {
    const header = signSandboxWebhook(body);
    await expect(sandbox().verifyWebhook(body, header, new Date())).resolves.toEqual(
      JSON.parse(body),
    );
    expect(sandboxWebhookKey()).toMatchObject({
      kid: SANDBOX_WEBHOOK_KID,
      kty: "EC",
      crv: "P-256",
    });
  });

  it("rejects a missing header, another kid, a stale iat and a changed body", async () => {
    const adapter = sandbox();
    const now = new Date();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const cases: [string | null, string, string][] = [
      [null, body, "WEBHOOK_SIGNATURE_MISSING"],
      [signSandboxWebhook(body, { kid: "someone-else" }), body, "WEBHOOK_KEY_UNKNOWN"],
      [signSandboxWebhook(body, { iat: nowSeconds - 301 }), body, "WEBHOOK_STALE"],
      [signSandboxWebhook(body), body.replace("healthy", "thin"), "WEBHOOK_BODY_MISMATCH"],
    ];
    for (const [header, sent, code] of cases) {
      const error = await partnerError(adapter.verifyWebhook(sent, header, now));
      expect(error).toMatchObject({ code, permanent: true });
    }
  });
});
