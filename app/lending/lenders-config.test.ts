import { afterAll, describe, expect, it } from "vitest";
import { createHttpLender } from "~/adapters/lender/http-lender";
import {
  MOCK_LENDER_SANDBOX_API_KEY,
  MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
  startMockLender,
  type MockLender,
} from "~/adapters/lender/mock-lender";
import { loanInput } from "~/adapters/lender/testing";
import { resetEnvCache } from "~/app/config/env.server";
import { configuredLenders } from "./lenders.server";

/**
 * Issue 13, item 11: the README documents LENDER_MOCK_API_KEY and LENDER_MOCK_WEBHOOK_SECRET as
 * defaulting to the sandbox's, yet LENDER_MOCK_URL alone refused to start. Outside production it
 * now reaches the standalone mock lender (started as `tsx adapters/lender/mock-lender.ts` starts
 * it, with the sandbox credentials) with nothing else set.
 */
let mock: MockLender;
afterAll(() => mock?.close());

describe("LENDER_MOCK_URL alone, outside production", () => {
  it("uses the sandbox key and secret, and the lender answers", async () => {
    mock = await startMockLender({
      apiKey: MOCK_LENDER_SANDBOX_API_KEY,
      webhookSecret: MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
      port: 0,
    });
    process.env.FLOWPAY_ENV = "test";
    process.env.LENDER_MOCK_URL = mock.url;
    delete process.env.LENDER_MOCK_API_KEY;
    delete process.env.LENDER_MOCK_WEBHOOK_SECRET;
    delete process.env.LENDERS;
    resetEnvCache();
    const [config] = configuredLenders();
    expect(config).toMatchObject({
      name: "mock",
      baseUrl: mock.url,
      apiKey: MOCK_LENDER_SANDBOX_API_KEY,
      webhookSecret: MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
    });
    const created = await createHttpLender(config!).createLoan(
      loanInput({ idempotencyKey: "solo:create", loanId: "solo" }),
    );
    expect(created.status).toBe("approved");
  });
});
