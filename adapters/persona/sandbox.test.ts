import { beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import {
  SANDBOX_WEBHOOK_SECRET,
  clearSandboxInquiries,
  createSandboxIdentity,
  sandboxInquiries,
  setSandboxOutcome,
  signSandboxEvent,
} from "./sandbox";
import { createPersona } from "./live";

const REDIRECT = "https://flowpay.test/apply/app_1/identity/return";

beforeEach(() => clearSandboxInquiries());

async function rejection(promise: Promise<unknown>): Promise<PartnerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  return error as PartnerError;
}

describe("identity sandbox", () => {
  const sandbox = createSandboxIdentity();

  async function outcomeFor(last: string | undefined) {
    const { inquiryId } = await sandbox.createInquiry({
      referenceId: "app_1",
      redirectUrl: REDIRECT,
      ...(last !== undefined ? { name: { first: "Test", last } } : {}),
    });
    return sandbox.getInquiry(inquiryId);
  }

  it("decides by magic last name", async () => {
    expect(await outcomeFor("Pass")).toMatchObject({
      status: "approved",
      confidence: 0.95,
      fraudSignals: [],
      referenceId: "app_1",
    });
    expect(await outcomeFor("Fail")).toMatchObject({
      status: "declined",
      confidence: 0.1,
      fraudSignals: ["document_tampered"],
    });
    expect(await outcomeFor("Review")).toMatchObject({
      status: "needs_review",
      confidence: 0.6,
      fraudSignals: ["selfie_mismatch"],
    });
    expect(await outcomeFor("Expire")).toMatchObject({
      status: "expired",
      confidence: 0,
      fraudSignals: [],
    });
  });

  it("ignores case and spaces, and approves everybody else", async () => {
    expect((await outcomeFor("  fAIL ")).status).toBe("declined");
    expect((await outcomeFor("Lovelace")).status).toBe("approved");
    expect((await outcomeFor(undefined)).status).toBe("approved");
    expect((await outcomeFor("Passmore")).status).toBe("approved");
  });

  it("its hosted flow is an immediate redirect back, with the inquiry id and sandbox=1", async () => {
    const { inquiryId, hostedUrl } = await sandbox.createInquiry({
      referenceId: "app_1",
      redirectUrl: `${REDIRECT}?step=kyc`,
    });
    const url = new URL(hostedUrl);
    expect(url.origin + url.pathname).toBe(REDIRECT);
    expect(url.searchParams.get("step")).toBe("kyc");
    expect(url.searchParams.get("inquiry-id")).toBe(inquiryId);
    expect(url.searchParams.get("sandbox")).toBe("1");
    expect(inquiryId).toMatch(/^inq_sandbox_[0-9a-f]{24}$/);
  });

  it("an idempotency key returns the same inquiry; reusing it for another is refused", async () => {
    const input = { referenceId: "app_1", redirectUrl: REDIRECT, idempotencyKey: "kyc:app_1:1" };
    const first = await sandbox.createInquiry(input);
    const again = await sandbox.createInquiry(input);
    expect(again).toEqual(first);
    expect(sandboxInquiries()).toHaveLength(1);
    const error = await rejection(sandbox.createInquiry({ ...input, referenceId: "app_2" }));
    expect(error.permanent).toBe(true);
    expect(error.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("the last name Unavailable is a transient 503", async () => {
    const error = await rejection(
      sandbox.createInquiry({
        referenceId: "app_1",
        redirectUrl: REDIRECT,
        name: { first: "Test", last: "Unavailable" },
      }),
    );
    expect(error).toMatchObject({ status: 503, permanent: false, partner: "persona" });
    expect(sandboxInquiries()).toHaveLength(0);
  });

  it("bad input and unknown inquiries are permanent errors", async () => {
    expect((await rejection(sandbox.getInquiry("inq_nope"))).status).toBe(404);
    expect(
      (await rejection(sandbox.createInquiry({ referenceId: "app_1", redirectUrl: "not a url" })))
        .permanent,
    ).toBe(true);
    const aborted = AbortSignal.abort();
    expect(
      (
        await rejection(
          sandbox.createInquiry({ referenceId: "a", redirectUrl: REDIRECT, signal: aborted }),
        )
      ).code,
    ).toBe("ABORTED");
  });

  it("setSandboxOutcome changes the outcome (a sandbox page where the borrower picks one)", async () => {
    const { inquiryId } = await sandbox.createInquiry({
      referenceId: "app_1",
      redirectUrl: REDIRECT,
    });
    setSandboxOutcome(inquiryId, "declined");
    expect(await sandbox.getInquiry(inquiryId)).toMatchObject({
      status: "declined",
      fraudSignals: ["document_tampered"],
    });
    setSandboxOutcome(inquiryId, "failed", ["selfie_liveness_failed"]);
    expect(await sandbox.getInquiry(inquiryId)).toMatchObject({
      status: "failed",
      confidence: 0.1,
      fraudSignals: ["selfie_liveness_failed"],
    });
    expect(() => setSandboxOutcome("inq_nope", "approved")).toThrow(/No sandbox inquiry/);
  });

  it("signSandboxEvent makes a webhook the sandbox verifies, and a live adapter does not", async () => {
    const { inquiryId } = await sandbox.createInquiry({
      referenceId: "app_7",
      redirectUrl: REDIRECT,
      name: { first: "Test", last: "Review" },
    });
    const signed = signSandboxEvent({ inquiryId, status: "needs_review" });
    const event = sandbox.verifyWebhook(signed.body, signed.header);
    expect(event).toMatchObject({
      eventId: signed.eventId,
      name: "inquiry.marked-for-review",
      inquiryId,
      status: "needs_review",
      referenceId: "app_7",
    });

    const livePersona = createPersona({
      apiKey: "k",
      templateId: "itmpl_x",
      webhookSecrets: ["wbhsec_production"],
    });
    expect(() => livePersona.verifyWebhook(signed.body, signed.header)).toThrow(PartnerError);

    const rotated = signSandboxEvent(
      { inquiryId, name: "inquiry.approved" },
      { secret: ["wbhsec_production", SANDBOX_WEBHOOK_SECRET] },
    );
    expect(rotated.header.split(" ")).toHaveLength(2);
    expect(livePersona.verifyWebhook(rotated.body, rotated.header).status).toBe("approved");
    expect(sandbox.verifyWebhook(rotated.body, rotated.header).status).toBe("approved");
  });
});
