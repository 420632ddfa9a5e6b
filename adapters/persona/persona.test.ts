import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { startFakePersona, type FakePersona } from "./fake-server";
import { IdentityConfigError, createIdentityAdapter } from "./index";
import { createPersona, hostedFlowUrl } from "./live";

const API_KEY = "persona_sandbox_test_key";
const TEMPLATE_ID = "itmpl_test_template";
const OLD_SECRET = "wbhsec_old_secret";
const NEW_SECRET = "wbhsec_new_secret";
const REDIRECT = "https://flowpay.test/apply/app_42/identity/return?step=kyc";

let fake: FakePersona;

beforeAll(async () => {
  fake = await startFakePersona({ apiKey: API_KEY, webhookSecrets: [OLD_SECRET, NEW_SECRET] });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.requests.length = 0;
});

function live(overrides: Partial<Parameters<typeof createPersona>[0]> = {}) {
  return createPersona({
    apiKey: API_KEY,
    templateId: TEMPLATE_ID,
    webhookSecrets: [NEW_SECRET],
    baseUrl: fake.url,
    hostedBaseUrl: fake.url,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<PartnerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  expect((error as PartnerError).partner).toBe("persona");
  return error as PartnerError;
}

type Received = { body: string; signature: string | null };

async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const signature = req.headers["persona-signature"];
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: typeof signature === "string" ? signature : null,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/webhooks/persona`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("live Persona against the fake", () => {
  it("creates an inquiry with the JSON:API body, Bearer key and idempotency key", async () => {
    const persona = live({ apiVersion: "2023-01-05" });
    const created = await persona.createInquiry({
      referenceId: "app_42",
      redirectUrl: REDIRECT,
      name: { first: "Ada", last: "Lovelace" },
      idempotencyKey: "kyc:app_42:1",
    });

    expect(created.inquiryId).toMatch(/^inq_/);
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request).toMatchObject({
      method: "POST",
      path: "/api/v1/inquiries",
      authorization: `Bearer ${API_KEY}`,
      idempotencyKey: "kyc:app_42:1",
      personaVersion: "2023-01-05",
      status: 201,
    });
    expect(request.contentType).toMatch(/^application\/json/);
    expect(request.body).toEqual({
      data: {
        attributes: {
          "inquiry-template-id": TEMPLATE_ID,
          "reference-id": "app_42",
          "redirect-uri": REDIRECT,
          fields: { "name-first": "Ada", "name-last": "Lovelace" },
        },
      },
    });

    const hosted = new URL(created.hostedUrl);
    expect(hosted.origin + hosted.pathname).toBe(`${fake.url}/verify`);
    expect(hosted.searchParams.get("inquiry-id")).toBe(created.inquiryId);
    expect(hosted.searchParams.get("redirect-uri")).toBe(REDIRECT);
    expect(created.hostedUrl).toBe(hostedFlowUrl(fake.url, created.inquiryId, REDIRECT));

    // A retry with the same key gets the same inquiry, not a second one.
    const count = fake.inquiries.length;
    const retried = await persona.createInquiry({
      referenceId: "app_42",
      redirectUrl: REDIRECT,
      name: { first: "Ada", last: "Lovelace" },
      idempotencyKey: "kyc:app_42:1",
    });
    expect(retried.inquiryId).toBe(created.inquiryId);
    expect(fake.inquiries).toHaveLength(count);
  });

  it("sends no Persona-Version, name fields or idempotency key unless given", async () => {
    await live().createInquiry({ referenceId: "app_43", redirectUrl: REDIRECT });
    const request = fake.requests[0]!;
    expect(request.personaVersion).toBeUndefined();
    expect(request.idempotencyKey).toBeUndefined();
    expect(request.body).toEqual({
      data: {
        attributes: {
          "inquiry-template-id": TEMPLATE_ID,
          "reference-id": "app_43",
          "redirect-uri": REDIRECT,
        },
      },
    });
  });

  it("reads the inquiry: status, confidence from the status, fraud signals from failed checks", async () => {
    const persona = live();
    const { inquiryId, hostedUrl } = await persona.createInquiry({
      referenceId: "app_44",
      redirectUrl: REDIRECT,
    });

    expect(await persona.getInquiry(inquiryId)).toEqual({
      inquiryId,
      status: "created",
      confidence: 0,
      fraudSignals: [],
      referenceId: "app_44",
    });
    expect(fake.requests.at(-1)).toMatchObject({
      method: "GET",
      path: `/api/v1/inquiries/${inquiryId}`,
      authorization: `Bearer ${API_KEY}`,
    });

    // The borrower goes through the (fake) hosted flow and is sent back to us.
    const back = await fetch(hostedUrl, { redirect: "manual" });
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get("location")!);
    expect(location.origin + location.pathname).toBe(
      new URL(REDIRECT).origin + new URL(REDIRECT).pathname,
    );
    expect(location.searchParams.get("step")).toBe("kyc");
    expect(location.searchParams.get("inquiry-id")).toBe(inquiryId);
    expect(location.searchParams.get("reference-id")).toBe("app_44");
    expect((await persona.getInquiry(inquiryId)).status).toBe("completed");
    expect((await persona.getInquiry(inquiryId)).confidence).toBe(0.8);

    fake.setStatus(inquiryId, "approved");
    expect(await persona.getInquiry(inquiryId)).toMatchObject({
      status: "approved",
      confidence: 0.95,
      fraudSignals: [],
    });

    fake.setStatus(inquiryId, "needs_review", ["selfie_id_comparison"]);
    expect(await persona.getInquiry(inquiryId)).toMatchObject({
      status: "needs_review",
      confidence: 0.6,
      fraudSignals: ["selfie_mismatch"],
    });

    fake.setStatus(inquiryId, "declined", [
      "id_tamper_detection",
      "id_fabrication_detection",
      "a_check_we_do_not_know",
    ]);
    expect(await persona.getInquiry(inquiryId)).toMatchObject({
      status: "declined",
      confidence: 0.1,
      fraudSignals: ["a_check_we_do_not_know", "document_tampered"],
    });
  });

  it("asks for the verifications with include=verifications (Persona's default may leave them out)", async () => {
    const persona = live();
    const { inquiryId } = await persona.createInquiry({
      referenceId: "app_47",
      redirectUrl: REDIRECT,
    });
    fake.setStatus(inquiryId, "needs_review", ["selfie_id_comparison"]);
    expect((await persona.getInquiry(inquiryId)).fraudSignals).toEqual(["selfie_mismatch"]);
    expect(fake.requests.at(-1)!.query).toEqual({ include: "verifications" });
  });

  it("calls Persona's documented API host by default", async () => {
    const calls: string[] = [];
    const persona = createPersona({
      apiKey: API_KEY,
      templateId: "itmpl_1",
      webhookSecrets: [NEW_SECRET],
      fetch: async (input) => {
        calls.push(String(input));
        return new Response(JSON.stringify({ errors: [{ title: "nope" }] }), { status: 404 });
      },
    });
    await persona.getInquiry("inq_123").catch(() => undefined);
    expect(calls).toEqual([
      "https://api.withpersona.com/api/v1/inquiries/inq_123?include=verifications",
    ]);
  });

  it("a wrong API key is a permanent error (401), with Persona's error text", async () => {
    const error = await rejection(
      live({ apiKey: "persona_sandbox_wrong" }).createInquiry({
        referenceId: "app_45",
        redirectUrl: REDIRECT,
      }),
    );
    expect(error.status).toBe(401);
    expect(error.permanent).toBe(true);
    expect(error.message).toContain("Unauthorized");
    expect(error.message).not.toContain("persona_sandbox_wrong");
  });

  it("an unknown inquiry is a permanent 404", async () => {
    const error = await rejection(live().getInquiry("inq_doesnotexist"));
    expect(error.status).toBe(404);
    expect(error.permanent).toBe(true);
  });

  it("a 500 is transient, and so are 429 and 408", async () => {
    for (const status of [500, 503, 429, 408]) {
      fake.failNext(1, status);
      const error = await rejection(
        live().createInquiry({ referenceId: "app_46", redirectUrl: REDIRECT }),
      );
      expect(error.status).toBe(status);
      expect(error.permanent).toBe(false);
    }
    fake.failNext(1, 422);
    expect((await rejection(live().getInquiry("inq_x"))).permanent).toBe(true);
  });

  it("a refused connection is a transient NETWORK error", async () => {
    const closed = await startFakePersona({ apiKey: API_KEY, webhookSecrets: [NEW_SECRET] });
    const url = closed.url;
    await closed.close();
    const error = await rejection(live({ baseUrl: url }).getInquiry("inq_x"));
    expect(error.code).toBe("NETWORK");
    expect(error.permanent).toBe(false);
  });

  it("a non-JSON 2xx is a transient INVALID_RESPONSE", async () => {
    const persona = live({
      fetch: async () => new Response("<html>maintenance</html>", { status: 200 }),
    });
    const error = await rejection(persona.getInquiry("inq_x"));
    expect(error.code).toBe("INVALID_RESPONSE");
    expect(error.permanent).toBe(false);
  });

  it("the caller's abort and the timeout are transient, and distinguished", async () => {
    const aborted = new AbortController();
    aborted.abort(new Error("shutting down"));
    const before = fake.requests.length;
    const abortError = await rejection(live().getInquiry("inq_x", aborted.signal));
    expect(abortError.code).toBe("ABORTED");
    expect(abortError.permanent).toBe(false);
    expect(fake.requests.length).toBe(before);

    // A fetch that never answers, but gives up when its signal aborts.
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const timeoutError = await rejection(
      live({ fetch: hanging, timeoutMs: 20 }).getInquiry("inq_x"),
    );
    expect(timeoutError.code).toBe("TIMEOUT");
    expect(timeoutError.permanent).toBe(false);
  });

  it("refuses an inquiry id that is not one, without calling Persona", async () => {
    const error = await rejection(live().getInquiry("../../api/v1/accounts"));
    expect(error.permanent).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("webhooks from the fake", () => {
  it("a signed event verifies; during a rotation either secret is enough; a stale one does not", async () => {
    const receiver = await startReceiver();
    try {
      const persona = live();
      const { inquiryId } = await persona.createInquiry({
        referenceId: "app_50",
        redirectUrl: REDIRECT,
      });
      fake.setStatus(inquiryId, "approved");

      // Signed with the new secret only.
      await fake.sendWebhook(
        receiver.url,
        { name: "inquiry.approved", inquiryId },
        { secret: NEW_SECRET },
      );
      // Rotation: old + new pairs.
      const rotated = await fake.sendWebhook(
        receiver.url,
        { name: "inquiry.approved", inquiryId, eventId: "evt_rotated" },
        { rotatePair: true },
      );
      expect(rotated.signatureHeader.split(" ")).toHaveLength(2);
      // Stale.
      const stale = await fake.sendWebhook(
        receiver.url,
        { name: "inquiry.approved", inquiryId },
        { secret: NEW_SECRET, t: Math.floor(Date.now() / 1000) - 600 },
      );
      expect(receiver.received).toHaveLength(3);
      const [fresh, rotation, old] = receiver.received as [Received, Received, Received];

      const event = persona.verifyWebhook(fresh.body, fresh.signature);
      expect(event).toMatchObject({
        name: "inquiry.approved",
        inquiryId,
        status: "approved",
        referenceId: "app_50",
      });
      expect(event.eventId).toMatch(/^evt_/);

      // The adapter holds only the new secret; a receiver still on the old one also accepts.
      expect(persona.verifyWebhook(rotation.body, rotation.signature).eventId).toBe("evt_rotated");
      const stillOld = live({ webhookSecrets: [OLD_SECRET] });
      expect(stillOld.verifyWebhook(rotation.body, rotation.signature).eventId).toBe("evt_rotated");
      // …but the old secret alone does not verify what only the new one signed.
      expect(() => stillOld.verifyWebhook(fresh.body, fresh.signature)).toThrow(PartnerError);

      expect(old.signature).toBe(stale.signatureHeader);
      let staleError: unknown;
      try {
        persona.verifyWebhook(old.body, old.signature);
      } catch (error) {
        staleError = error;
      }
      expect(staleError).toBeInstanceOf(PartnerError);
      expect((staleError as PartnerError).code).toBe("STALE_SIGNATURE");
    } finally {
      await receiver.close();
    }
  });

  it("the fake's signature() is the same hand-computed pair", async () => {
    const receiver = await startReceiver();
    try {
      const t = Math.floor(Date.now() / 1000);
      const sent = await fake.sendWebhook(
        receiver.url,
        { name: "inquiry.created", inquiryId: "inq_unknown_to_fake" },
        { secret: OLD_SECRET, t },
      );
      expect(sent.signatureHeader).toBe(fake.signature(sent.requestBody, OLD_SECRET, t));
    } finally {
      await receiver.close();
    }
  });
});

describe("createIdentityAdapter", () => {
  it("is the sandbox when Persona is not configured", () => {
    expect(createIdentityAdapter().name).toBe("sandbox");
    expect(createIdentityAdapter({ apiKey: "", templateId: "", webhookSecrets: [""] }).name).toBe(
      "sandbox",
    );
  });

  it("is live when the key, template and a webhook secret are set", () => {
    expect(
      createIdentityAdapter({
        apiKey: API_KEY,
        templateId: TEMPLATE_ID,
        webhookSecrets: [NEW_SECRET],
      }).name,
    ).toBe("persona");
  });

  it("refuses a half configuration instead of silently using the sandbox", () => {
    expect(() => createIdentityAdapter({ apiKey: API_KEY })).toThrow(IdentityConfigError);
    expect(() => createIdentityAdapter({ apiKey: API_KEY, templateId: TEMPLATE_ID })).toThrow(
      /webhookSecrets/,
    );
    expect(() => createIdentityAdapter({ webhookSecrets: [NEW_SECRET] })).toThrow(
      /apiKey, templateId/,
    );
  });
});
