import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toWireResponse, startFakeExperian, type FakeExperian } from "./fake-server";
import { createExperian, ExperianConfigError } from "./index";
import { createLiveExperian } from "./live";
import { parseAmountCents, parseCreditReportResponse, parseWireDate } from "./parse";
import { createSandboxExperian, sandboxCases, sandboxReport } from "./sandbox";
import { BureauError, type CreditPullRequest } from "./types";

const pulledAt = new Date("2026-11-20T15:00:00.000Z");
const applicant = (last4: string): CreditPullRequest => ({
  clientReferenceId: "app_test",
  firstName: "Dana",
  lastName: "Rivera",
  ssn: `666-12-${last4}`,
  dateOfBirth: "1985-04-12",
  address: { line1: "12 Elm St", city: "Austin", state: "TX", postalCode: "78701" },
});

async function failure(promise: Promise<unknown>): Promise<BureauError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BureauError);
    return error as BureauError;
  }
  throw new Error("expected the pull to fail");
}

describe("parsing Experian's strings at the edge", () => {
  it("turns scores, amounts, counts and MMDDYYYY dates into typed values", () => {
    const report = parseCreditReportResponse(
      {
        creditProfile: [
          {
            headerRecord: [{ reportDate: "112026", y2kReportedDate: "11202026" }],
            riskModel: [
              {
                modelIndicator: "V4",
                score: "0783",
                scoreFactors: [
                  { importance: "2", code: "14" },
                  { importance: "1", code: "10" },
                ],
              },
            ],
            tradeline: [
              {
                accountType: "18",
                openOrClosed: "O",
                revolvingOrInstallment: "R",
                balanceAmount: "00001200",
                amountPastDue: "0",
                monthlyPaymentAmount: "35.50",
                amount1: "00008000",
                amount1Qualifier: "L",
                amount2: "00002500",
                amount2Qualifier: "H",
                delinquencies30Days: "02",
                delinquencies60Days: "00",
                delinquencies90to180Days: "00",
                openDate: "04012015",
              },
              {
                accountType: "26",
                openOrClosed: "O",
                revolvingOrInstallment: "I",
                balanceAmount: "210000",
                monthlyPaymentAmount: "1450",
              },
            ],
            publicRecord: [
              {
                courtName: "US BANKRUPTCY COURT",
                filingDate: "03152022",
                amount: "24500",
                status: "13",
                bankruptcyAssetAmount: "00000000",
              },
            ],
            inquiry: [{ date: "10012026", subscriberName: "AUTO LENDER" }],
          },
        ],
      },
      pulledAt,
    );
    expect(report.score).toBe(783);
    expect(report.reportDate).toBe("2026-11-20");
    expect(report.scoreFactors.map((f) => f.code)).toEqual(["10", "14"]);
    expect(report.scoreFactors[0]!.description).toMatch(/balances to credit limits/);
    expect(report.tradelines[0]).toMatchObject({
      kind: "revolving",
      balanceCents: 120_000,
      monthlyPaymentCents: 3_550,
      creditLimitCents: 800_000,
      delinquencies30: 2,
      openedOn: "2015-04-01",
    });
    expect(report.tradelines[1]!.kind).toBe("mortgage");
    expect(report.publicRecords[0]).toMatchObject({
      type: "bankruptcy",
      filedOn: "2022-03-15",
      amountCents: 2_450_000,
    });
    expect(report.inquiries[0]!.date).toBe("2026-10-01");
  });

  it("treats an out-of-range score (an exclusion code) as no score", () => {
    const report = parseCreditReportResponse(
      { creditProfile: [{ riskModel: [{ modelIndicator: "V4", score: "9001" }] }] },
      pulledAt,
    );
    expect(report.score).toBeNull();
    expect(report.scoreFactors).toEqual([]);
  });

  it("refuses malformed values without echoing them", async () => {
    expect(() => parseAmountCents("12,00")).toThrow(BureauError);
    expect(() => parseWireDate("02302024")).toThrow(BureauError);
    const error = await failure(
      Promise.resolve().then(() =>
        parseCreditReportResponse(
          { creditProfile: [{ riskModel: [{ modelIndicator: "V4", score: 783 }] }] },
          pulledAt,
        ),
      ),
    );
    expect(error.kind).toBe("invalid_response");
    expect(error.message).toContain("creditProfile.0.riskModel.0.score");
    expect(error.message).not.toContain("783");
  });

  it("the wire form of every sandbox report parses back to the same report", () => {
    for (const last4 of ["0000", "1111", "2222", "3333", "4444", "6200", "7800", "8888", "1234"]) {
      const report = sandboxReport(applicant(last4), pulledAt);
      // Experian reports a public record's status as a code ("13"), not the sandbox's text.
      expect(
        parseCreditReportResponse(JSON.parse(JSON.stringify(toWireResponse(report))), pulledAt),
      ).toEqual({
        ...report,
        publicRecords: report.publicRecords.map((record) => ({
          ...record,
          status: expect.stringMatching(/^\d{2}$/),
        })),
      });
    }
  });
});

describe("sandbox bureau", () => {
  const sandbox = createSandboxExperian({ now: () => pulledAt });

  it("chooses deterministic reports by the SSN's last four digits", async () => {
    expect((await sandbox.pullSoft(applicant("7800"))).score).toBe(780);
    expect((await sandbox.pullSoft(applicant("6200"))).score).toBe(620);
    expect((await sandbox.pullSoft(applicant("0000"))).publicRecords.map((r) => r.type)).toEqual([
      "bankruptcy",
    ]);
    expect((await sandbox.pullSoft(applicant("1111"))).tradelines).toHaveLength(2);
    expect((await sandbox.pullSoft(applicant("3333"))).score).toBeNull();
    expect(await sandbox.pullSoft(applicant("1234"))).toEqual(
      await sandbox.pullSoft(applicant("1234")),
    );
  });

  it("simulates the bureau's failures", async () => {
    expect((await failure(sandbox.pullSoft(applicant("9999")))).kind).toBe("timeout");
    expect((await failure(sandbox.pullSoft(applicant("9998")))).kind).toBe("server_error");
    expect((await failure(sandbox.pullSoft(applicant("9997")))).kind).toBe("rejected");
  });

  it("every magic SSN is documented in docs/sandbox/experian.md", () => {
    const doc = readFileSync(new URL("../../docs/sandbox/experian.md", import.meta.url), "utf8");
    for (const entry of sandboxCases) expect(doc).toContain(`\`${entry.ssnLast4}\``);
  });
});

describe("live adapter against the local fake Experian", () => {
  let fake: FakeExperian;
  const credentials = {
    clientId: "client-id-test",
    clientSecret: "client-secret-test",
    username: "api-user@flowpay.test",
    password: "api-password-test",
  };
  const companyId = "FLOWPAY-TEST";
  const live = (overrides: Partial<Parameters<typeof createLiveExperian>[0]> = {}) =>
    createLiveExperian({
      baseUrl: fake.url,
      credentials,
      companyId,
      subscriberCode: "1234567",
      timeoutMs: 2_000,
      retries: 2,
      minRetryDelayMs: 1,
      maxRetryDelayMs: 5,
      now: () => pulledAt,
      ...overrides,
    });

  beforeAll(async () => {
    fake = await startFakeExperian({ credentials, companyId, now: () => pulledAt });
  });
  afterAll(async () => {
    await fake.close();
  });

  it("sends the docs/product/partners.md request and gets a typed report", async () => {
    const before = fake.requests.length;
    const report = await live().pullSoft(applicant("7800"));
    expect(report).toEqual(sandboxReport(applicant("7800"), pulledAt));
    const sent = fake.requests[before]!;
    expect(sent.path).toBe("/consumerservices/credit-profile/v2/credit-report");
    expect(sent.headers).toMatchObject({ companyId, clientReferenceId: "app_test" });
    expect(sent.headers.authorization).toMatch(/^Bearer fake-experian-token-/);
    expect(sent.body?.consumerPii.primaryApplicant).toMatchObject({
      ssn: { ssn: "666127800" },
      dob: { dob: "04121985" },
    });
    expect(sent.body?.requestor.subscriberCode).toBe("1234567");
    // Experian's documented sandbox request: { "type": "08" } and nothing else.
    expect(sent.body?.permissiblePurpose).toEqual({ type: "08" });
  });

  it("declines on a bankruptcy and keeps revolving limits, as the fake answers in Experian's shape", async () => {
    const bankrupt = await live().pullSoft(applicant("0000"));
    expect(bankrupt.publicRecords.map((record) => record.type)).toContain("bankruptcy");
    const clean = await live().pullSoft(applicant("7800"));
    const revolving = clean.tradelines.filter((line) => line.kind === "revolving");
    expect(revolving.length).toBeGreaterThan(0);
    expect(revolving.every((line) => line.creditLimitCents !== null)).toBe(true);
  });

  it("gets an OAuth token once, reuses it, and gets a new one before it expires", async () => {
    let clock = new Date("2026-11-20T15:00:00.000Z");
    const own = await startFakeExperian({
      credentials,
      companyId,
      tokenLifetimeSeconds: 3600,
      now: () => clock,
    });
    try {
      const bureau = live({ baseUrl: own.url, now: () => clock, tokenRefreshMarginMs: 60_000 });
      await bureau.pullSoft(applicant("7800"));
      await bureau.pullSoft(applicant("7800"));
      expect(own.tokensIssued()).toBe(1);
      // 59 minutes later: within the refresh margin, a new token before the old one lapses.
      clock = new Date(clock.getTime() + 59 * 60_000 + 1);
      expect((await bureau.pullSoft(applicant("7800"))).score).toBe(780);
      expect(own.tokensIssued()).toBe(2);
      const creditCalls = own.requests.filter((r) => r.path.endsWith("/credit-report"));
      expect(creditCalls.map((r) => r.headers.authorization)).toEqual([
        creditCalls[0]!.headers.authorization,
        creditCalls[0]!.headers.authorization,
        expect.not.stringMatching(creditCalls[0]!.headers.authorization!),
      ]);
    } finally {
      await own.close();
    }
  });

  it("treats a 401 as 'get a new token': one new token, and the pull succeeds", async () => {
    const bureau = live();
    await bureau.pullSoft(applicant("7800"));
    const issued = fake.tokensIssued();
    fake.revokeTokens();
    expect((await bureau.pullSoft(applicant("7800"))).score).toBe(780);
    expect(fake.tokensIssued()).toBe(issued + 1);
  });

  it("reports wrong OAuth credentials as rejected, without retrying", async () => {
    const before = fake.requests.length;
    const error = await failure(
      live({ credentials: { ...credentials, password: "wrong" } }).pullSoft(applicant("7800")),
    );
    expect(error.kind).toBe("rejected");
    expect(error.message).toMatch(/refused the OAuth credentials/);
    expect(error.message).not.toContain("wrong");
    expect(fake.requests.length - before).toBe(0);
  });

  it("retries a 5xx and succeeds", async () => {
    const before = fake.requests.length;
    fake.failNext(2, 503);
    expect((await live().pullSoft(applicant("7800"))).score).toBe(780);
    expect(fake.requests.length - before).toBe(3);
  });

  it("gives up after the retries with a server_error", async () => {
    const before = fake.requests.length;
    fake.failNext(3, 502);
    const error = await failure(live().pullSoft(applicant("7800")));
    expect(error).toMatchObject({ kind: "server_error", details: { status: 502, attempts: 3 } });
    expect(fake.requests.length - before).toBe(3);
  });

  it("does not retry a 4xx (our request is wrong)", async () => {
    const before = fake.requests.length;
    // A 401 twice in a row (a new token did not help): rejected, not retried by backoff.
    fake.failNext(2, 401);
    const error = await failure(live().pullSoft(applicant("7800")));
    expect(error).toMatchObject({ kind: "rejected", details: { status: 401, attempts: 1 } });
    fake.failNext(1, 400);
    expect((await failure(live().pullSoft(applicant("7800")))).kind).toBe("rejected");
    expect(fake.requests.length - before).toBe(3);
  });

  it("times out a silent bureau and retries", async () => {
    fake.hangNext(1);
    expect((await live({ timeoutMs: 150 }).pullSoft(applicant("7800"))).score).toBe(780);
    const error = await failure(live({ timeoutMs: 150, retries: 1 }).pullSoft(applicant("9999")));
    expect(error).toMatchObject({ kind: "timeout", details: { attempts: 2 } });
  });

  it("retries network errors", async () => {
    const closed = await startFakeExperian({ credentials, companyId });
    const url = closed.url;
    await closed.close();
    const error = await failure(live({ baseUrl: url }).pullSoft(applicant("7800")));
    expect(error).toMatchObject({ kind: "network", details: { attempts: 3 } });
  });

  it("reports an answer that does not parse, without retrying", async () => {
    const before = fake.requests.length;
    fake.respondNextWith(1, {
      creditProfile: [{ riskModel: [{ modelIndicator: "V4", score: "high" }] }],
    });
    expect((await failure(live().pullSoft(applicant("7800")))).kind).toBe("invalid_response");
    expect(fake.requests.length - before).toBe(1);
  });
});

describe("choosing the implementation", () => {
  it("is the sandbox when nothing is configured, outside production", () => {
    expect(createExperian({}).mode).toBe("sandbox");
    expect(createExperian({ mode: "sandbox", production: true }).mode).toBe("sandbox");
  });

  it("never falls back to the sandbox in production", async () => {
    const bureau = createExperian({ production: true });
    expect(bureau.mode).toBe("unconfigured");
    expect((await failure(bureau.pullSoft(applicant("7800")))).kind).toBe("not_configured");
  });

  it("is live with a base URL, and then needs every credential", () => {
    expect(() => createExperian({ baseUrl: "https://example.test" })).toThrow(ExperianConfigError);
    expect(
      createExperian({
        baseUrl: "https://example.test",
        clientId: "i",
        clientSecret: "s",
        username: "u",
        password: "p",
        companyId: "c",
        subscriberCode: "s",
      }).mode,
    ).toBe("live");
  });
});
