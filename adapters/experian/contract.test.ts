import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeExperian, toWireResponse, type FakeExperian } from "./fake-server";
import { parseCreditReportResponse, toWireRequest } from "./parse";
import { sandboxCases, sandboxReport } from "./sandbox";

/**
 * Contract: the fake and the adapter against Experian's own documented samples (kept as
 * fixtures with their source, docs/partners/experian.md), not against each other — so a fake
 * written with the adapter's mistake (a `creditLimit` or `bankruptcy` field Experian does not
 * have) fails here.
 */
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;
const sample = fixture("credit-report.documented-sample.json");
const sampleRequest = fixture("credit-report-request.documented-sample.json");
const documented = sample._documentedFields as Record<string, string[]>;
const pulledAt = new Date("2026-11-20T15:00:00.000Z");

/** Every key used in an array of objects (one level). */
const keysOf = (items: unknown): Set<string> =>
  new Set((items as Record<string, unknown>[]).flatMap((item) => Object.keys(item)));

describe("Experian contract: documented samples", () => {
  it("the adapter reads the documented answer: score, bankruptcy, credit limits, report date", () => {
    const report = parseCreditReportResponse(sample, pulledAt);
    expect(report.score).toBe(783);
    expect(report.reportDate).toBe("2019-08-06");
    // The county record (status 33) is not a bankruptcy; the US BKPT CT record (status 13) is.
    expect(report.publicRecords.map((record) => record.type)).toEqual(["other", "bankruptcy"]);
    const limits = report.tradelines
      .filter((line) => line.kind === "revolving")
      .map((line) => line.creditLimitCents);
    expect(limits).toEqual([80_000, 200_000]);
    // amount1 qualified "O" is an original amount, never a limit.
    expect(
      report.tradelines.filter((line) => line.kind !== "revolving").map((l) => l.creditLimitCents),
    ).toEqual([null, null, null]);
  });

  it("the fake answers only with fields Experian documents, for every sandbox profile", () => {
    const profile = (sample.creditProfile as Record<string, unknown>[])[0]!;
    const allowed = (section: string) =>
      new Set([...documented[section]!, ...keysOf(profile[section] ?? [])]);
    for (const entry of sandboxCases.filter((c) => !/^999/.test(c.ssnLast4))) {
      const wire = toWireResponse(
        sandboxReport(
          {
            clientReferenceId: "app_contract",
            firstName: "Dana",
            lastName: "Rivera",
            ssn: `66612${entry.ssnLast4}`,
          },
          pulledAt,
        ),
      ).creditProfile[0]!;
      for (const section of ["headerRecord", "riskModel", "tradeline", "publicRecord", "inquiry"]) {
        const used = keysOf((wire as Record<string, unknown>)[section] ?? []);
        for (const key of used) expect(allowed(section), `${section}.${key}`).toContain(key);
      }
      for (const model of wire.riskModel ?? []) {
        for (const key of keysOf(model.scoreFactors ?? [])) {
          expect(documented.scoreFactors, `scoreFactors.${key}`).toContain(key);
        }
      }
    }
  });

  it("the adapter's request has the documented sample request's shape", () => {
    const ours = toWireRequest(
      {
        clientReferenceId: "app_contract",
        firstName: "Dana",
        lastName: "Rivera",
        ssn: "666127800",
        dateOfBirth: "1985-04-12",
        address: { line1: "12 Elm St", city: "Austin", state: "TX", postalCode: "78701" },
      },
      { subscriberCode: "2222222" },
    );
    const documentedRequest = sampleRequest as typeof ours;
    expect(Object.keys(ours).sort()).toEqual(
      Object.keys(documentedRequest)
        .filter((key) => !key.startsWith("_"))
        .sort(),
    );
    expect(Object.keys(ours.permissiblePurpose)).toEqual(
      Object.keys(documentedRequest.permissiblePurpose),
    );
    expect(ours.permissiblePurpose.type).toMatch(/^\d{2}$/);
    for (const key of Object.keys(ours.consumerPii.primaryApplicant)) {
      expect(Object.keys(documentedRequest.consumerPii.primaryApplicant)).toContain(key);
    }
    expect(ours.consumerPii.primaryApplicant.dob?.dob).toMatch(/^(\d{4}|\d{8})$/);
  });

  describe("the fake accepts the documented request", () => {
    let fake: FakeExperian;
    const credentials = { clientId: "c", clientSecret: "s", username: "u", password: "p" };
    beforeAll(async () => {
      fake = await startFakeExperian({ credentials, companyId: "CO", now: () => pulledAt });
    });
    afterAll(() => fake.close());

    it("token, then the documented sample request → 200 with a credit profile", async () => {
      const tokenResponse = await fetch(`${fake.url}/oauth2/v1/token`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Grant_type: "password",
          Client_id: "c",
          Client_secret: "s",
        },
        body: JSON.stringify({ username: "u", password: "p" }),
      });
      const token = (await tokenResponse.json()) as { access_token: string; expires_in: string };
      expect(token.expires_in).toMatch(/^\d+$/);
      const { _source: _ignored, ...body } = sampleRequest;
      const response = await fetch(`${fake.url}/consumerservices/credit-profile/v2/credit-report`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token.access_token}`,
          companyId: "CO",
          clientReferenceId: "SBMYSQL",
          "Content-Type": "application/json",
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { creditProfile: unknown[] }).creditProfile).toHaveLength(
        1,
      );
    });
  });
});
