import { describe, expect, it } from "vitest";
import {
  assertPartnersConfigured,
  ConfigError,
  describePartnerModes,
  parseEnv,
  partnerSetup,
} from "./env.server";

const key = Buffer.alloc(32, 7).toString("base64");

describe("configuration", () => {
  it("works with no configuration at all (the embedded demo)", () => {
    const env = parseEnv({});
    expect(env.HOST).toBe("127.0.0.1");
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBe("file:./data/flowpay.db");
    expect(env.FLOWPAY_ENV).toBe("development");
  });

  it("names the bad variable", () => {
    expect(() => parseEnv({ PORT: "abc" })).toThrow(/PORT/);
    expect(() => parseEnv({ DATABASE_URL: "postgres://x" })).toThrow(/DATABASE_URL/);
    expect(() => parseEnv({ ENCRYPTION_KEYS: "k1:tooshort" })).toThrow(/ENCRYPTION_KEYS/);
    expect(() => parseEnv({ LOG_LEVEL: "loud" })).toThrow(ConfigError);
  });

  it("refuses production without its secrets, naming each", () => {
    expect(() => parseEnv({ FLOWPAY_ENV: "production" })).toThrow(
      /SESSION_SECRET[\s\S]*ENCRYPTION_KEYS/,
    );
    // remix-serve forces NODE_ENV=production: that alone also means production.
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/SESSION_SECRET/);
    const env = parseEnv({
      FLOWPAY_ENV: "production",
      SESSION_SECRET: "s".repeat(32),
      ENCRYPTION_KEYS: `k2:${key},k1:${key}`,
      METRICS_TOKEN: "m".repeat(24),
    });
    expect(env.ENCRYPTION_KEYS?.map((k) => k.id)).toEqual(["k2", "k1"]);
  });

  it("refuses production without METRICS_TOKEN: /metrics is never public there", () => {
    expect(() =>
      parseEnv({
        FLOWPAY_ENV: "production",
        SESSION_SECRET: "s".repeat(32),
        ENCRYPTION_KEYS: `k1:${key}`,
      }),
    ).toThrow(/METRICS_TOKEN: required when FLOWPAY_ENV=production/);
  });

  it("lets npm start run the demo under NODE_ENV=production with FLOWPAY_ENV=development", () => {
    expect(parseEnv({ NODE_ENV: "production", FLOWPAY_ENV: "development" }).FLOWPAY_ENV).toBe(
      "development",
    );
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ PORT: "", METRICS_TOKEN: "" }).PORT).toBe(3000);
  });
});

describe("partners in production (ADR 029)", () => {
  const secrets = {
    FLOWPAY_ENV: "production",
    SESSION_SECRET: "s".repeat(32),
    ENCRYPTION_KEYS: `k1:${key}`,
    METRICS_TOKEN: "metrics-token-0123456789",
  };
  const live = {
    APP_URL: "https://pay.example.com",
    EXPERIAN_BASE_URL: "https://us-api.experian.com",
    EXPERIAN_CLIENT_ID: "cid",
    EXPERIAN_CLIENT_SECRET: "csecret",
    EXPERIAN_USERNAME: "user@example.com",
    EXPERIAN_PASSWORD: "pw",
    EXPERIAN_COMPANY_ID: "co",
    EXPERIAN_SUBSCRIBER_CODE: "1234567",
    PLAID_CLIENT_ID: "plaid-id",
    PLAID_SECRET: "plaid-secret",
    PLAID_ENV: "production",
    PERSONA_API_KEY: "persona_production_key",
    PERSONA_TEMPLATE_ID: "itmpl_1",
    PERSONA_WEBHOOK_SECRETS: "wbhsec_real",
    TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
    TWILIO_AUTH_TOKEN: "t".repeat(32),
    TWILIO_FROM: "+15125550100",
    SMTP_URL: "smtps://u:p@smtp.example.com:465",
    LENDERS: JSON.stringify([
      { name: "acme", baseUrl: "https://lender.example", apiKey: "k", webhookSecret: "w" },
    ]),
  };

  it("fails naming every partner and setting that is missing", () => {
    const env = parseEnv(secrets);
    let message = "";
    try {
      assertPartnersConfigured(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    for (const expected of [
      /experian: live in production, needs EXPERIAN_BASE_URL, EXPERIAN_CLIENT_ID/,
      /plaid: .*PLAID_CLIENT_ID, PLAID_SECRET, PLAID_ENV=production/,
      /persona: .*PERSONA_API_KEY/,
      /twilio: .*TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID/,
      /email: .*SMTP_URL/,
      /lender: .*LENDERS/,
      /APP_URL: required when FLOWPAY_ENV=production/,
    ]) {
      expect(message).toMatch(expected);
    }
  });

  it("starts with every partner live, or with the ones named in SANDBOX_PARTNERS as sandboxes", () => {
    expect(assertPartnersConfigured(parseEnv({ ...secrets, ...live }))).toEqual({
      experian: "live",
      plaid: "live",
      persona: "live",
      twilio: "live",
      email: "live",
      lender: "live",
    });
    const modes = assertPartnersConfigured(
      parseEnv({
        ...secrets,
        APP_URL: "https://pay.example.com",
        SANDBOX_PARTNERS: "experian, plaid,persona,twilio,email,lender",
      }),
    );
    expect(Object.values(modes)).toEqual(Array(6).fill("sandbox"));
    expect(describePartnerModes(modes)).toBe(
      "live: none; sandbox: experian, plaid, persona, twilio, email, lender",
    );
    expect(() => parseEnv({ SANDBOX_PARTNERS: "twilio,fax" })).toThrow(
      /SANDBOX_PARTNERS: unknown partner fax/,
    );
  });

  it("requires an https APP_URL in production, and refuses the retired Plaid development environment", () => {
    const { APP_URL: _omitted, ...withoutUrl } = live;
    expect(partnerSetup(parseEnv({ ...secrets, ...withoutUrl })).problems).toEqual([
      expect.stringMatching(/^APP_URL: required/),
    ]);
    expect(
      partnerSetup(parseEnv({ ...secrets, ...live, APP_URL: "http://pay.example.com" })).problems,
    ).toEqual(["APP_URL: must be an https:// URL when FLOWPAY_ENV=production"]);
    expect(() => parseEnv({ PLAID_ENV: "development" })).toThrow(
      /PLAID_ENV: must be sandbox or production \(Plaid retired the development environment/,
    );
    // Plaid's own sandbox environment has public test logins: a sandbox in production too.
    expect(partnerSetup(parseEnv({ ...secrets, ...live, PLAID_ENV: "sandbox" })).problems).toEqual([
      expect.stringMatching(/^plaid: .*PLAID_ENV=production/),
    ]);
  });

  it("never accepts a sandbox's public secret in production", () => {
    const problems = partnerSetup(
      parseEnv({
        ...secrets,
        ...live,
        TWILIO_AUTH_TOKEN: "sandbox-auth-token",
        PERSONA_WEBHOOK_SECRETS: "wbhsec_real,wbhsec_sandbox_flowpay",
        LENDER_MOCK_URL: "https://mock-lender.example",
        LENDER_MOCK_API_KEY: "k",
        LENDER_MOCK_WEBHOOK_SECRET: "mock_lender_sandbox_webhook_secret",
      }),
    ).problems;
    expect(problems).toEqual([
      "TWILIO_AUTH_TOKEN: holds a sandbox's public secret, never accepted in production",
      "PERSONA_WEBHOOK_SECRETS: holds a sandbox's public secret, never accepted in production",
      "LENDER_MOCK_WEBHOOK_SECRET: holds a sandbox's public secret, never accepted in production",
      "LENDER_MOCK_URL: the mock lender is a sandbox; in production name it (SANDBOX_PARTNERS=lender)",
    ]);
  });

  it("refuses a fixed EXPERIAN_TOKEN (tokens expire): OAuth client credentials instead", () => {
    expect(() => parseEnv({ EXPERIAN_TOKEN: "abc" })).toThrow(
      /EXPERIAN_TOKEN: no longer used: Experian tokens expire/,
    );
  });

  it("outside production chooses by configuration, and a named partner is always a sandbox", () => {
    expect(partnerSetup(parseEnv({})).modes.twilio).toBe("sandbox");
    expect(partnerSetup(parseEnv({ SMTP_URL: "smtp://h:25" })).modes.email).toBe("live");
    expect(
      partnerSetup(parseEnv({ SMTP_URL: "smtp://h:25", SANDBOX_PARTNERS: "email" })).modes.email,
    ).toBe("sandbox");
    expect(partnerSetup(parseEnv({})).problems).toEqual([]);
  });

  it("a live partner's settings are checked at start in every environment, not on first use", () => {
    expect(
      partnerSetup(
        parseEnv({
          TWILIO_ACCOUNT_SID: `AC${"b".repeat(32)}`,
          EXPERIAN_BASE_URL: "https://sandbox-us-api.experian.com",
          EXPERIAN_CLIENT_ID: "cid",
          PERSONA_API_KEY: "persona_sandbox_key",
        }),
      ).problems,
    ).toEqual([
      "experian: partly configured, needs EXPERIAN_CLIENT_SECRET, EXPERIAN_USERNAME, EXPERIAN_PASSWORD, EXPERIAN_COMPANY_ID, EXPERIAN_SUBSCRIBER_CODE",
      "persona: partly configured, needs PERSONA_TEMPLATE_ID, PERSONA_WEBHOOK_SECRETS",
      "twilio: partly configured, needs TWILIO_AUTH_TOKEN, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID",
    ]);
    // Plaid's sandbox environment is fine outside production.
    expect(
      partnerSetup(parseEnv({ PLAID_CLIENT_ID: "id", PLAID_SECRET: "s", PLAID_ENV: "sandbox" }))
        .problems,
    ).toEqual([]);
  });
});
