import { describe, expect, it } from "vitest";
import { MOCK_LENDER_SANDBOX_WEBHOOK_SECRET } from "~/adapters/lender/index";
import { SANDBOX_WEBHOOK_SECRET } from "~/adapters/persona/sandbox";
import { SANDBOX_AUTH_TOKEN } from "~/adapters/twilio/sandbox";
import { isPublicSandboxSecret, publicSandboxSecrets } from "./sandbox-secrets";

describe("the sandboxes' public secrets", () => {
  it("are the values the sandboxes really use", () => {
    expect(publicSandboxSecrets).toEqual({
      twilioAuthToken: SANDBOX_AUTH_TOKEN,
      personaWebhookSecret: SANDBOX_WEBHOOK_SECRET,
      lenderWebhookSecret: MOCK_LENDER_SANDBOX_WEBHOOK_SECRET,
    });
    expect(isPublicSandboxSecret(" sandbox-auth-token ")).toBe(true);
    expect(isPublicSandboxSecret("a-real-secret")).toBe(false);
  });
});
