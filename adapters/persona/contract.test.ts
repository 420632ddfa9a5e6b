import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePersona, type FakePersona } from "./fake-server";
import { toKycResult } from "./live";

/**
 * Contract: the adapter and the fake against Persona's documented Retrieve an Inquiry answer
 * (fixtures/, with its source), not against each other.
 */
const sample = JSON.parse(
  readFileSync(
    new URL("./fixtures/retrieve-inquiry.documented-sample.json", import.meta.url),
    "utf8",
  ),
) as { data: Record<string, unknown>; included: Record<string, unknown>[] };

const keys = (value: unknown) => Object.keys((value ?? {}) as Record<string, unknown>);

describe("Persona contract: the documented inquiry document", () => {
  it("the adapter reads status, reference and fraud signals from it", () => {
    expect(toKycResult(sample)).toEqual({
      inquiryId: "inq_ABC123sample",
      status: "needs_review",
      confidence: expect.any(Number),
      fraudSignals: ["selfie_mismatch"],
      referenceId: "app_sample",
    });
  });

  describe("the fake answers in the same shape", () => {
    let fake: FakePersona;
    beforeAll(async () => {
      fake = await startFakePersona({ apiKey: "key_contract", webhookSecrets: ["wbhsec_c"] });
    });
    afterAll(() => fake.close());

    it("data, attributes, relationships and included verifications use documented members", async () => {
      const created = (await (
        await fetch(`${fake.url}/api/v1/inquiries`, {
          method: "POST",
          headers: { Authorization: "Bearer key_contract", "Content-Type": "application/json" },
          body: JSON.stringify({
            data: { attributes: { "inquiry-template-id": "itmpl_1", "reference-id": "app_c" } },
          }),
        })
      ).json()) as { data: { id: string } };
      fake.setStatus(created.data.id, "needs_review", ["selfie_id_comparison"]);
      const get = (query: string) =>
        fetch(`${fake.url}/api/v1/inquiries/${created.data.id}${query}`, {
          headers: { Authorization: "Bearer key_contract" },
        }).then((r) => r.json() as Promise<typeof sample>);
      const document = await get("?include=verifications");
      expect(document.data.type).toBe(sample.data.type);
      for (const key of keys(document.data.attributes)) {
        expect(keys(sample.data.attributes), `data.attributes.${key}`).toContain(key);
      }
      for (const key of keys(document.data.relationships)) {
        expect(keys(sample.data.relationships), `data.relationships.${key}`).toContain(key);
      }
      const verification = document.included[0]!;
      expect(String(verification.type)).toMatch(/^verification\//);
      const check = (verification.attributes as { checks: Record<string, unknown>[] }).checks[0]!;
      const documentedCheck = (sample.included[0]!.attributes as { checks: object[] }).checks[0]!;
      for (const key of keys(check)) expect(keys(documentedCheck)).toContain(key);
      expect(toKycResult(document).fraudSignals).toEqual(["selfie_mismatch"]);
      // Without include, the related resources may be left out (Response Body docs).
      expect((await get("")).included).toEqual([]);
    });
  });
});
