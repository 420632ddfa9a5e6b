import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import {
  FAKE_PLAID_STANDARD_PUBLIC_TOKEN,
  standardItem,
  startFakePlaid,
  type FakePlaid,
} from "./fake-server";
import { BankLinkConfigError, createBankLink } from "./index";
import { createPlaidBankLink, redact, type PlaidBankLinkConfig, type PlaidEnv } from "./live";
import { generateWebhookSigningKey, signWebhookBody } from "./webhook-signing";

const CLIENT_ID = "fake-client-id-0123";
const SECRET = "fake-secret-abcdef0123456789";
const SUMMARY_DATE = new Date("2025-03-31T18:00:00Z");

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

describe("live Plaid adapter against the fake Plaid", () => {
  let fake: FakePlaid;
  const live = (overrides: Partial<PlaidBankLinkConfig> = {}) =>
    createPlaidBankLink({
      clientId: CLIENT_ID,
      secret: SECRET,
      env: "sandbox",
      basePath: fake.url,
      now: () => SUMMARY_DATE,
      ...overrides,
    });
  const requestsTo = (path: string) => fake.requests.filter((r) => r.path === path);

  beforeEach(async () => {
    fake = await startFakePlaid({ clientId: CLIENT_ID, secret: SECRET });
  });
  afterEach(async () => {
    await fake.close();
  });

  describe("link token", () => {
    it("sends what Plaid requires, with the credentials in headers", async () => {
      const result = await live({
        webhookUrl: "https://flowpay.test/webhooks/plaid",
      }).createLinkToken({ clientUserId: "app_42" });
      expect(result.linkToken).toMatch(/^link-sandbox-/);
      expect(Number.isNaN(Date.parse(result.expiration))).toBe(false);

      const [request] = requestsTo("/link/token/create");
      expect(request?.auth).toBe("headers");
      expect(request?.headers["plaid-client-id"]).toBe(CLIENT_ID);
      expect(request?.body).toEqual({
        client_name: "FlowPay",
        language: "en",
        country_codes: ["US"],
        products: ["transactions"],
        user: { client_user_id: "app_42" },
        transactions: { days_requested: 90 },
        webhook: "https://flowpay.test/webhooks/plaid",
      });
    });

    it("a per-call webhook wins over the configured one; none → no webhook field", async () => {
      await live({ webhookUrl: "https://a.test/x" }).createLinkToken({
        clientUserId: "u",
        webhookUrl: "https://b.test/y",
      });
      await live().createLinkToken({ clientUserId: "u" });
      const [first, second] = requestsTo("/link/token/create");
      expect(first?.body.webhook).toBe("https://b.test/y");
      expect(second?.body).not.toHaveProperty("webhook");
    });

    it("refuses a client name over 30 characters before calling Plaid", () => {
      expect(() => live({ clientName: "x".repeat(31) })).toThrow(/30 characters/);
    });
  });

  describe("exchange", () => {
    it("turns the public token into the Item's access token and id", async () => {
      const item = fake.items.get(FAKE_PLAID_STANDARD_PUBLIC_TOKEN);
      await expect(live().exchangePublicToken(FAKE_PLAID_STANDARD_PUBLIC_TOKEN)).resolves.toEqual({
        accessToken: item?.accessToken,
        itemId: item?.itemId,
      });
    });

    it("an unknown public token is a permanent INVALID_PUBLIC_TOKEN", async () => {
      const error = await partnerError(live().exchangePublicToken("public-sandbox-unknown"));
      expect(error).toMatchObject({
        partner: "plaid",
        status: 400,
        code: "INVALID_PUBLIC_TOKEN",
        permanent: true,
      });
      expect(error.message).toMatch(/request_id/);
    });

    it("ITEM_LOGIN_REQUIRED at exchange is permanent", async () => {
      const item = fake.addItem({
        accounts: [],
        exchangeError: {
          error_type: "ITEM_ERROR",
          error_code: "ITEM_LOGIN_REQUIRED",
          error_message: "the login details of this item have changed",
        },
      });
      const error = await partnerError(live().exchangePublicToken(item.publicToken));
      expect(error).toMatchObject({ code: "ITEM_LOGIN_REQUIRED", permanent: true });
    });
  });

  describe("summarize", () => {
    it("reads balances and every sync page, then summarises (numbers checked by hand)", async () => {
      const adapter = live();
      const { accessToken } = await adapter.exchangePublicToken(FAKE_PLAID_STANDARD_PUBLIC_TOKEN);
      const summary = await adapter.summarize(accessToken);

      // Checking (now $300), run backwards over 03-02 … 03-31 (30 days), after the sync's
      // modify (payroll 2 → $2,000) and remove (the $999 duplicate); pending and card ignored:
      //   03-25…31  300 (7 days)   03-24 = 300 − 570 (Venmo in)   = −270 (03-22…24, 3 days)
      //   03-21  −270 + 35 = −235   03-20  −235 + 35 = −200
      //   03-16…19  −200 + 3,000 = 2,800 (4 days)
      //   03-05…15  2,800 − 2,000 = 800 (11 days)   03-02…04  800 + 1,200 = 2,000 (3 days)
      //   sum = 2,100 − 810 − 235 − 200 + 11,200 + 8,800 + 6,000 = 26,855
      // Savings $2,000 every day: 60,000. Average (26,855 + 60,000) / 30 = 2,895.1666… → 289,517¢.
      // Minimum: −270 + 2,000 = 1,730. Fees: "OVERDRAFT ITEM FEE" (name) + NSF (legacy
      // category) = 2; one overdrawn spell (03-20…24) → overdraftCount 3.
      // Income: two payroll deposits ($4,000) in 30 days; the single Venmo is not recurring.
      expect(summary).toEqual({
        averageBalanceCents: 289517,
        minimumBalanceCents: 173000,
        currentBalanceCents: 230000,
        overdraftCount: 3,
        nsfCount: 2,
        monthlyIncomeDepositsCents: 400000,
        incomeDepositCount: 2,
        daysOfHistory: 30,
        accountCount: 2,
        accountMasks: ["1111", "2222"],
        incomeDepositMonths: 1,
        monthsObserved: 1,
      });

      expect(requestsTo("/accounts/balance/get")).toHaveLength(1);
      const pages = requestsTo("/transactions/sync");
      expect(pages).toHaveLength(4); // 12 events, 3 a page: has_more was true three times
      expect(pages[0]?.body).not.toHaveProperty("cursor");
      expect(pages.every((p) => p.body.count === 500 && p.body.access_token === accessToken)).toBe(
        true,
      );
      const cursors = pages.slice(1).map((p) => p.body.cursor);
      expect(new Set(cursors).size).toBe(3);
    });

    it("a failure on a later page fails the summary (transient for a 500)", async () => {
      const item = fake.items.get(FAKE_PLAID_STANDARD_PUBLIC_TOKEN);
      fake.failNext(1, 500, { path: "/transactions/sync" });
      fake.pageSize = 100; // one page, so the injected failure hits it
      const error = await partnerError(live().summarize(item?.accessToken ?? ""));
      expect(error).toMatchObject({ status: 500, code: "INTERNAL_SERVER_ERROR", permanent: false });
    });

    it("restarts the sync loop after TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION", async () => {
      const item = fake.items.get(FAKE_PLAID_STANDARD_PUBLIC_TOKEN);
      const sync = "/transactions/sync";
      // Page 1 succeeds, page 2 fails with the mutation error; the adapter starts over from
      // no cursor (Plaid's advice) and reads all four pages.
      fake.failNext(1, 400, {
        path: sync,
        skip: 1,
        error_type: "TRANSACTIONS_ERROR",
        error_code: "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
      });
      const summary = await live().summarize(item?.accessToken ?? "");
      expect(summary.incomeDepositCount).toBe(2);
      expect(summary.averageBalanceCents).toBe(289517);
      const pages = requestsTo(sync);
      expect(pages.map((p) => p.status)).toEqual([200, 400, 200, 200, 200, 200]);
      expect(pages[1]?.body).toHaveProperty("cursor");
      expect(pages[2]?.body).not.toHaveProperty("cursor");
    });

    it("history not pulled yet → transient PRODUCT_NOT_READY; only 30 days in → transient unless accepted", async () => {
      const { accounts, events } = standardItem();
      const notReady = fake.addItem({ accounts, events: [], updateStatus: "NOT_READY" });
      const initial = fake.addItem({ accounts, events, updateStatus: "INITIAL_UPDATE_COMPLETE" });

      const a = await partnerError(live().summarize(notReady.accessToken));
      expect(a).toMatchObject({ code: "PRODUCT_NOT_READY", permanent: false });
      const b = await partnerError(live().summarize(initial.accessToken));
      expect(b).toMatchObject({ code: "HISTORICAL_UPDATE_PENDING", permanent: false });
      const c = await live({ acceptInitialUpdate: true }).summarize(initial.accessToken);
      expect(c.daysOfHistory).toBe(30);
    });

    it("never puts the access token in an error", async () => {
      const token = "access-sandbox-00000000-dead-beef-0000-000000000000";
      const invalid = await partnerError(live().summarize(token));
      expect(invalid).toMatchObject({ code: "INVALID_ACCESS_TOKEN", permanent: true });

      await fake.close();
      const network = await partnerError(live().summarize(token));
      expect(network).toMatchObject({ code: "NETWORK", permanent: false });

      for (const error of [invalid, network]) {
        const everything = JSON.stringify({
          message: error.message,
          code: error.code,
          cause: String(error.cause),
          stack: error.stack,
        });
        expect(everything).not.toContain(token);
        expect(everything).not.toContain(SECRET);
        expect(error.cause).toBeUndefined();
      }
      fake = await startFakePlaid({ clientId: CLIENT_ID, secret: SECRET }); // for afterEach
    });

    it("redacts anything shaped like an access token from messages", () => {
      expect(redact("bad token access-production-abc-123 here")).toBe(
        "bad token access-[redacted] here",
      );
    });
  });

  describe("errors", () => {
    it("bad keys → permanent INVALID_API_KEYS (and the secret is not in the error)", async () => {
      const error = await partnerError(
        live({ secret: "wrong-secret-value" }).createLinkToken({ clientUserId: "u" }),
      );
      expect(error).toMatchObject({
        partner: "plaid",
        status: 400,
        code: "INVALID_API_KEYS",
        permanent: true,
      });
      expect(error.message).not.toContain("wrong-secret-value");
      expect(requestsTo("/link/token/create")[0]?.status).toBe(400);
    });

    it("the fake also accepts credentials in the JSON body, and checks them there", async () => {
      const post = (body: object) =>
        fetch(`${fake.url}/item/public_token/exchange`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      const ok = await post({
        client_id: CLIENT_ID,
        secret: SECRET,
        public_token: FAKE_PLAID_STANDARD_PUBLIC_TOKEN,
      });
      expect(ok.status).toBe(200);
      const bad = await post({ client_id: CLIENT_ID, secret: "nope", public_token: "x" });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({
        error_type: "INVALID_INPUT",
        error_code: "INVALID_API_KEYS",
        request_id: expect.any(String),
      });
      expect(fake.requests.map((r) => r.auth)).toEqual(["body", "body"]);
    });

    it("503 → transient; 429 → transient; both with Plaid's code", async () => {
      fake.failNext(1, 503);
      const unavailable = await partnerError(live().createLinkToken({ clientUserId: "u" }));
      expect(unavailable).toMatchObject({ status: 503, permanent: false });
      fake.failNext(1, 429);
      const limited = await partnerError(live().createLinkToken({ clientUserId: "u" }));
      expect(limited).toMatchObject({ status: 429, code: "RATE_LIMIT", permanent: false });
      // And the next call works.
      await expect(live().createLinkToken({ clientUserId: "u" })).resolves.toBeTruthy();
    });

    it("a 400 from an institution outage is transient", async () => {
      fake.failNext(1, 400, { error_type: "INSTITUTION_ERROR", error_code: "INSTITUTION_DOWN" });
      const error = await partnerError(
        live().exchangePublicToken(FAKE_PLAID_STANDARD_PUBLIC_TOKEN),
      );
      expect(error).toMatchObject({ status: 400, code: "INSTITUTION_DOWN", permanent: false });
    });

    it("no answer → transient TIMEOUT; the caller's abort → transient ABORTED", async () => {
      fake.stallNext(1);
      const timedOut = await partnerError(
        live({ timeoutMs: 150 }).createLinkToken({ clientUserId: "u" }),
      );
      expect(timedOut).toMatchObject({ code: "TIMEOUT", permanent: false });

      fake.stallNext(1);
      const controller = new AbortController();
      const pending = live().createLinkToken({ clientUserId: "u", signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      const aborted = await partnerError(pending);
      expect(aborted).toMatchObject({ code: "ABORTED", permanent: false });
    });
  });

  describe("webhook verification", () => {
    const body = JSON.stringify(
      {
        webhook_type: "TRANSACTIONS",
        webhook_code: "SYNC_UPDATES_AVAILABLE",
        item_id: "item-fake-1",
        initial_update_complete: true,
        historical_update_complete: true,
        environment: "sandbox",
      },
      null,
      2,
    );
    const keyFetches = () => requestsTo("/webhook_verification_key/get");

    it("a valid webhook → its parsed body; the key is fetched once and cached", async () => {
      const adapter = live();
      await expect(adapter.verifyWebhook(body, fake.signWebhook(body))).resolves.toEqual(
        JSON.parse(body),
      );
      const second = JSON.stringify({ webhook_type: "ITEM", webhook_code: "ERROR" });
      await expect(adapter.verifyWebhook(second, fake.signWebhook(second))).resolves.toEqual(
        JSON.parse(second),
      );
      expect(keyFetches()).toHaveLength(1);
      expect(keyFetches()[0]?.body.key_id).toBe(fake.webhookKey.kid);
    });

    it("concurrent webhooks with a new kid share one key fetch", async () => {
      const adapter = live();
      await Promise.all([1, 2, 3].map(() => adapter.verifyWebhook(body, fake.signWebhook(body))));
      expect(keyFetches()).toHaveLength(1);
    });

    it("rejects HS256 and none without fetching any key", async () => {
      const adapter = live();
      for (const alg of ["HS256", "none", "ES384", "RS256"]) {
        const error = await partnerError(
          adapter.verifyWebhook(body, fake.signWebhook(body, { alg })),
        );
        expect(error).toMatchObject({
          partner: "plaid",
          code: "WEBHOOK_ALG_NOT_ALLOWED",
          permanent: true,
        });
      }
      expect(keyFetches()).toHaveLength(0);
    });

    it("rejects an unknown kid (Plaid does not know the key)", async () => {
      const error = await partnerError(
        live().verifyWebhook(body, fake.signWebhook(body, { kid: "not-a-plaid-key" })),
      );
      expect(error).toMatchObject({ code: "WEBHOOK_KEY_UNKNOWN", permanent: true });
      expect(keyFetches()[0]?.status).toBe(400);
    });

    it("rejects an iat older than 5 minutes (and accepts one just inside)", async () => {
      const adapter = live();
      const now = new Date("2025-03-31T12:00:00Z");
      const nowSeconds = now.getTime() / 1000;
      const stale = await partnerError(
        adapter.verifyWebhook(body, fake.signWebhook(body, { iat: nowSeconds - 301 }), now),
      );
      expect(stale).toMatchObject({ code: "WEBHOOK_STALE", permanent: true });
      await expect(
        adapter.verifyWebhook(body, fake.signWebhook(body, { iat: nowSeconds - 299 }), now),
      ).resolves.toBeTruthy();
      const future = await partnerError(
        adapter.verifyWebhook(body, fake.signWebhook(body, { iat: nowSeconds + 600 }), now),
      );
      expect(future).toMatchObject({ code: "WEBHOOK_STALE" });
    });

    it("rejects a tampered body, a tampered signature and another key's signature", async () => {
      const adapter = live();
      const header = fake.signWebhook(body);
      const changed = body.replace("SYNC_UPDATES_AVAILABLE", "DEFAULT_UPDATE");
      const a = await partnerError(adapter.verifyWebhook(changed, header));
      expect(a).toMatchObject({ code: "WEBHOOK_BODY_MISMATCH", permanent: true });
      const b = await partnerError(adapter.verifyWebhook(body + " ", header));
      expect(b).toMatchObject({ code: "WEBHOOK_BODY_MISMATCH" });

      const c = await partnerError(
        adapter.verifyWebhook(body, fake.signWebhook(body, { tamper: true })),
      );
      expect(c).toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID", permanent: true });

      const impostor = generateWebhookSigningKey(fake.webhookKey.kid);
      const d = await partnerError(adapter.verifyWebhook(body, signWebhookBody(impostor, body)));
      expect(d).toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });
    });

    it("rejects a missing or malformed header", async () => {
      const adapter = live();
      for (const [header, code] of [
        [null, "WEBHOOK_SIGNATURE_MISSING"],
        ["", "WEBHOOK_SIGNATURE_MISSING"],
        ["not.a-jwt", "WEBHOOK_MALFORMED"],
      ] as const) {
        const error = await partnerError(adapter.verifyWebhook(body, header));
        expect(error).toMatchObject({ code, permanent: true });
      }
    });

    it("a key fetch that fails at Plaid (503) is transient and not cached", async () => {
      const adapter = live();
      fake.failNext(1, 503, { path: "/webhook_verification_key/get" });
      const error = await partnerError(adapter.verifyWebhook(body, fake.signWebhook(body)));
      expect(error).toMatchObject({ status: 503, permanent: false });
      await expect(adapter.verifyWebhook(body, fake.signWebhook(body))).resolves.toBeTruthy();
      expect(keyFetches()).toHaveLength(2);
    });

    it("a body that is not a JSON object is rejected even when signed", async () => {
      const error = await partnerError(live().verifyWebhook("[1,2]", fake.signWebhook("[1,2]")));
      expect(error).toMatchObject({ code: "WEBHOOK_BODY_INVALID", permanent: true });
    });
  });
});

describe("createBankLink", () => {
  it("sandbox when Plaid is not configured (empty strings count as unset)", () => {
    expect(createBankLink().name).toBe("sandbox");
    expect(createBankLink({ clientId: "", secret: "" }).name).toBe("sandbox");
  });

  it("live Plaid when client id and secret are set", () => {
    expect(createBankLink({ clientId: "id", secret: "s", env: "production" }).name).toBe("plaid");
  });

  it("refuses Plaid's retired development environment, even pointed at a fake", () => {
    const retired = "development" as unknown as PlaidEnv;
    expect(() => createBankLink({ clientId: "id", secret: "s", env: retired })).toThrow(
      /Unknown Plaid environment: development/,
    );
    expect(() =>
      createBankLink({ clientId: "id", secret: "s", env: retired, basePath: "http://127.0.0.1:1" }),
    ).toThrow(/development was retired/);
  });

  it("half a configuration is an error, and so is no configuration in production", () => {
    expect(() => createBankLink({ clientId: "id" })).toThrow(BankLinkConfigError);
    expect(() => createBankLink({ secret: "s" })).toThrow(/missing clientId/);
    expect(() => createBankLink({ production: true })).toThrow(BankLinkConfigError);
  });
});
