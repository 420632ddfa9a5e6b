/**
 * Consent texts are stored verbatim and immutable, and every consent points at the text it
 * accepted (docs/product/lending.md "More on consent"): the migration's rows match consent-texts.ts byte for
 * byte (SHA-256), the database refuses to change or remove one, and refuses a consent naming a
 * text (or hash) it does not hold. The consents step stores the borrower's optional TCPA answer.
 */
const { appDatabase, callRoute, createMerchant, jsonHeaders } =
  await import("~/scripts/testing/app-harness");
const { offerFinancing } = await import("~/scripts/testing/borrower-harness");
const { loadJourney } = await import("./context.server");
const steps = await import("./steps.server");

import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { consents } from "~/db/schema/index";
import { consentTexts, consentTextHash, type ConsentKind } from "./consent-texts";
import {
  ensureConsentTexts,
  merchantSmsAttestation,
  storedConsentText,
} from "./consent-texts.server";

const database = await appDatabase();
const merchant = await createMerchant({ name: "Acme Pest Control" });
const client = { ip: "203.0.113.9", userAgent: "vitest" };
const kinds = Object.keys(consentTexts) as ConsentKind[];

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => "no error",
    (error: unknown) => `${String(error)} ${String((error as Error).cause ?? "")}`,
  );

async function consentsStep() {
  const { applicationId, token } = await offerFinancing(merchant.key, {});
  await steps.startApplication(await loadJourney(token, "welcome"), client);
  await steps.saveDetails(
    await loadJourney(token, "details"),
    { dateOfBirth: "1985-04-12", ssn: "666127800", monthlyIncome: 600_000, housingCost: 150_000 },
    client,
  );
  return { applicationId, journey: await loadJourney(token, "consents") };
}

describe("consent texts", () => {
  it("each text of consent-texts.ts is stored verbatim under its version, with its SHA-256", async () => {
    for (const kind of kinds) {
      const text = consentTexts[kind];
      const stored = await storedConsentText(database.db, text.version);
      expect(stored, kind).not.toBeNull();
      expect(stored!.text).toBe(text.text);
      const sha256 = createHash("sha256").update(text.text, "utf8").digest("hex");
      expect(stored!.sha256).toBe(sha256);
      expect(await consentTextHash(kind)).toBe(sha256);
    }
  });

  it("the database refuses to change or remove a stored text", async () => {
    const version = consentTexts.credit_pull.version;
    expect(
      await failure(
        database.serialized(() =>
          database.client.execute({
            sql: "UPDATE consent_texts SET text = 'You agree to anything' WHERE version = ?",
            args: [version],
          }),
        ),
      ),
    ).toMatch(/consent_texts is immutable/);
    expect(
      await failure(
        database.serialized(() =>
          database.client.execute({
            sql: "DELETE FROM consent_texts WHERE version = ?",
            args: [version],
          }),
        ),
      ),
    ).toMatch(/consent_texts is immutable/);
    expect((await storedConsentText(database.db, version))!.text).toBe(
      consentTexts.credit_pull.text,
    );
  });

  it("storing the texts again is a no-op", async () => {
    await database.write((tx) => ensureConsentTexts(tx, kinds));
    const rows = await database.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM consent_texts`);
    expect(Number(rows[0]!.n)).toBe(kinds.length);
  });

  it("a consent must name a stored text and its exact hash", async () => {
    const { applicationId } = await consentsStep();
    const insert = (textVersion: string, textSha256: string) =>
      database.write((tx) =>
        tx.insert(consents).values({
          id: newId("con"),
          applicationId,
          kind: "credit_pull",
          textVersion,
          textSha256,
          acceptedAt: new Date(),
        }),
      );
    expect(await failure(insert("credit-pull-unknown", "0".repeat(64)))).toMatch(/does not hold/);
    expect(await failure(insert(consentTexts.credit_pull.version, "0".repeat(64)))).toMatch(
      /does not hold/,
    );
    expect(
      await failure(insert(consentTexts.credit_pull.version, await consentTextHash("credit_pull"))),
    ).toBe("no error");
  });

  it("the consents step stores the TCPA permission only when the borrower gives it", async () => {
    const without = await consentsStep();
    await steps.saveConsents(without.journey, client, { sms: false });
    const given = await consentsStep();
    await steps.saveConsents(given.journey, client, { sms: true });
    const kindsOf = async (applicationId: string) =>
      (
        await database.db
          .select({ kind: consents.kind, version: consents.textVersion })
          .from(consents)
          .where(eq(consents.applicationId, applicationId))
      )
        .map((r) => r.kind)
        .sort();
    expect(await kindsOf(without.applicationId)).toEqual(["credit_pull", "esign", "privacy"]);
    expect(await kindsOf(given.applicationId)).toEqual(["credit_pull", "esign", "privacy", "sms"]);
    const answers = await database.db.all<{ entity_id: string; details: string }>(
      sql`SELECT entity_id, details FROM audit_logs WHERE action = 'application.consents'
          AND entity_id IN (${without.applicationId}, ${given.applicationId})`,
    );
    const answer = (id: string) =>
      JSON.parse(answers.find((a) => a.entity_id === id)!.details).sms_consent;
    expect(answer(without.applicationId)).toBe(false);
    expect(answer(given.applicationId)).toBe(true);
  });

  it("the CRM's send_sms attestation is recorded with the application: the text's version and hash, the API key, the time", async () => {
    const route = await import("~/app/routes/api.v1.crm.offer-financing");
    const create = async (sendSms: boolean) => {
      const n = `${Date.now().toString(36)}-${sendSms}`;
      const response = await callRoute(route, {
        method: "POST",
        path: "/api/v1/crm/offer-financing",
        headers: jsonHeaders(merchant.key),
        body: JSON.stringify({
          crm: "fieldroutes",
          crm_customer_id: `ATT-${n}`,
          customer: { first_name: "Jo", last_name: "Doe", phone: "+15125550177" },
          job: { crm_job_id: `ATT-JOB-${n}`, estimate_cents: 750000 },
          send_sms: sendSms,
        }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { application_id: string }).application_id;
    };
    const record = async (applicationId: string) =>
      (
        await database.db.all<{ actor_id: string; at: number; details: string }>(
          sql`SELECT actor_id, at, details FROM audit_logs
              WHERE action = 'application.create' AND entity_id = ${applicationId}`,
        )
      )[0]!;
    const attested = await record(await create(true));
    expect(attested.actor_id).toBe(merchant.keyId);
    expect(Number(attested.at)).toBeGreaterThan(0);
    const details = JSON.parse(attested.details);
    expect(details.sms_attestation).toEqual(merchantSmsAttestation);
    const text = await storedConsentText(database.db, details.sms_attestation.text_version);
    expect(text!.sha256).toBe(details.sms_attestation.text_sha256);
    expect(text!.text).toBe(consentTexts.merchant_sms_attestation.text);

    const notAttested = JSON.parse((await record(await create(false))).details);
    expect(notAttested.send_sms).toBe(false);
    expect(notAttested.sms_attestation).toBeUndefined();
  });
});
