import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./env.server";

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
    });
    expect(env.ENCRYPTION_KEYS?.map((k) => k.id)).toEqual(["k2", "k1"]);
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
