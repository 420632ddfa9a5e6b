/**
 * A lender's refusal after the signature (ADR 032), in-process against two real mock lenders
 * (HTTP, idempotency keys): "mock" refuses the sandbox last name `Rejected`; "second" is the
 * same mock lender configured under a second name, with a creditor of its own, that accepts
 * it. The refusal ends the application as lender_declined for the borrower, the CRM API and
 * FlowOps at once; FlowOps reroutes it (the borrower signs again, naming the new creditor) or
 * cancels it. Also: the H-3 credit score disclosure matches the snapshot's bureau data.
 */
import { startMockLender } from "~/adapters/lender/index";

const apiKey = "mock-lender-test-key";
const webhookSecret = "mock-lender-test-webhook-secret";
const refusing = await startMockLender({ apiKey, webhookSecret, fundingDelayMs: 60_000 });
const accepting = await startMockLender({
  apiKey,
  webhookSecret,
  fundingDelayMs: 60_000,
  sandboxRefusals: false,
});
const secondCreditor = {
  legalName: "Prairie State Installment Lending, Inc.",
  address: "800 Commerce Street, Floor 12, Dallas, TX 75202",
  phone: "1-214-555-0163",
  supervisingAgency: {
    name: "Federal Trade Commission",
    address: "Consumer Response Center, 600 Pennsylvania Avenue NW, Washington, DC 20580",
  },
};
process.env.LENDER_MOCK_URL = refusing.url;
process.env.LENDER_MOCK_API_KEY = apiKey;
process.env.LENDER_MOCK_WEBHOOK_SECRET = webhookSecret;
process.env.LENDERS = JSON.stringify([
  { name: "second", baseUrl: accepting.url, apiKey, webhookSecret, creditor: secondCreditor },
]);

const { appDatabase, baseUrl, callRoute, createMerchant } =
  await import("~/scripts/testing/app-harness");
const { signedApplication, openApplication, makeDecidable, loanOf } =
  await import("./test-helpers");
const { createLoanForApplication } = await import("./funding.server");
const { getLenders, configuredLenders, creditorFor } = await import("./lenders.server");
const { rerouteApplication, cancelLenderDeclined, LenderDeclineActionError } =
  await import("./lender-decline.server");
const { decide } = await import("~/app/decisioning/decide.server");
const { loadScoreNotice, ensureScoreNoticePdf } =
  await import("~/app/decisioning/score-notice.server");
const { acceptOffer, agreementFor } = await import("~/app/borrower/accept.server");
const { loadJourney } = await import("~/app/borrower/context.server");
const { currentOffers } = await import("~/app/borrower/offers.server");
const { resetEnvCache } = await import("~/app/config/env.server");
const { closedMessage } = await import("~/app/borrower/closed");
const getRoute = await import("~/app/routes/api.v1.crm.applications.$applicationId");
const detailRoute = await import("~/app/routes/ops.applications.$applicationId");
const { createOperator } = await import("~/app/ops/operators.server");
const { absoluteLifetimeMs, sessionCookie } = await import("~/app/ops/session.server");

import { and, desc, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import {
  applications,
  auditLogs,
  decisions,
  documents,
  lenderTransactions,
  messages,
  outbox,
} from "~/db/schema/index";
import { sandboxCreditor } from "./creditors";
import { newId } from "~/db/ids";
import { operatorSessions, type OperatorRole } from "~/db/schema/index";

const database = await appDatabase();
const merchant = await createMerchant({ name: "Acme Pest Control", merchantFeeBps: 300 });
const lenders = await getLenders();
const operator = { id: "opr_test", ip: "203.0.113.9", userAgent: "vitest" };

afterAll(async () => {
  await refusing.close();
  await accepting.close();
});

async function applicationStatus(id: string) {
  return (await database.db.select().from(applications).where(eq(applications.id, id)).get())!
    .status;
}

async function templates(applicationId: string) {
  return (
    await database.db
      .select({ template: messages.template })
      .from(messages)
      .where(eq(messages.applicationId, applicationId))
  ).map((m) => m.template);
}

async function crmStatus(applicationId: string) {
  const response = await callRoute(getRoute, {
    path: `/api/v1/crm/applications/${applicationId}`,
    params: { applicationId },
    headers: { Authorization: `Bearer ${merchant.key}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { status: string; loan: { status: string } | null };
}

describe("a lender refuses the signed loan", () => {
  it("ends the application as lender_declined with the lender's reason, for everyone, at once", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "3001",
      crmJobId: "4001",
      lastName: "Rejected",
    });
    const step = await createLoanForApplication(database, lenders, signed.applicationId);
    expect(step.kind).toBe("declined");

    expect(await applicationStatus(signed.applicationId)).toBe("lender_declined");
    const loan = (await loanOf(signed.applicationId))!;
    expect(loan).toMatchObject({
      status: "lender_declined",
      declineCode: "credit_policy",
      lenderLoanId: null,
    });
    expect(loan.declineMessage).toMatch(/credit policy/);
    // The status API says so (and the loan with it).
    expect(await crmStatus(signed.applicationId)).toMatchObject({
      status: "lender_declined",
      loan: { status: "lender_declined" },
    });
    // The borrower is told what happens next; the CRM gets its note; the call is on record.
    expect(await templates(signed.applicationId)).toContain("lender_declined");
    const sync = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.key, `sync-to-crm:${signed.applicationId}:lender_declined`))
      .get();
    expect(sync?.kind).toBe("sync-to-crm");
    const call = await database.db
      .select()
      .from(lenderTransactions)
      .where(
        and(
          eq(lenderTransactions.loanId, loan.id),
          eq(lenderTransactions.operation, "create_loan"),
        ),
      )
      .get();
    expect(call?.response).toMatchObject({
      status: "rejected",
      rejection: { code: "credit_policy" },
    });
    // No dead letter is the only trace: the job completes, and running it again changes nothing.
    expect((await createLoanForApplication(database, lenders, signed.applicationId)).kind).toBe(
      "skipped",
    );
    const journey = await loadJourney(signed.token, "done");
    expect(journey.application.status).toBe("lender_declined");
  });

  it("FlowOps reroutes it: the borrower signs again with the new creditor, and the loan is made there", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "3002",
      crmJobId: "4002",
      lastName: "Rejected",
    });
    await createLoanForApplication(database, lenders, signed.applicationId);
    const loanId = (await loanOf(signed.applicationId))!.id;

    await expect(
      rerouteApplication(
        database,
        { applicationId: signed.applicationId, lender: "mock", configured: lenders.names() },
        operator,
      ),
    ).rejects.toBeInstanceOf(LenderDeclineActionError);
    const rerouted = await rerouteApplication(
      database,
      { applicationId: signed.applicationId, lender: "second", configured: lenders.names() },
      operator,
    );
    expect(rerouted.status).toBe("approved");
    expect(await applicationStatus(signed.applicationId)).toBe("approved");
    expect(await templates(signed.applicationId)).toContain("lender_rerouted");
    expect(
      await database.db
        .select({ kind: outbox.kind })
        .from(outbox)
        .where(eq(outbox.key, `sync-to-crm:${signed.applicationId}:lender_rerouted`))
        .get(),
    ).toEqual({ kind: "sync-to-crm" });
    const audit = await database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, "application.lender_reroute"))
      .orderBy(desc(auditLogs.at))
      .get();
    expect(audit).toMatchObject({ actorType: "operator", entityId: signed.applicationId });

    // The new link opens the offers again; the agreement names the second lender.
    const token = rerouted.applyUrl.split("/").pop()!;
    const journey = await loadJourney(token, "sign");
    const [offer] = await currentOffers(database, signed.applicationId);
    const agreement = (await agreementFor(journey, offer!.id, new Date()))!;
    expect(agreement.doc.creditor).toEqual({
      name: secondCreditor.legalName,
      address: secondCreditor.address,
    });
    const accepted = await acceptOffer(
      journey,
      { offerId: offer!.id, fullName: "Dana Rejected", shownHash: agreement.hash },
      { ip: "203.0.113.7", userAgent: "vitest" },
    );
    expect(accepted.kind).toBe("accepted");

    const step = await createLoanForApplication(database, lenders, signed.applicationId);
    expect(step.kind).toBe("done");
    const loan = (await loanOf(signed.applicationId))!;
    expect(loan).toMatchObject({
      id: loanId,
      lender: "second",
      attempt: 2,
      status: "pending_funding",
    });
    expect(await applicationStatus(signed.applicationId)).toBe("pending_funding");
    // Attempt 2's own idempotency key, at the second lender only.
    expect(
      accepting.requests.some((r) => r.idempotencyKey === `${loanId}:create:2` && r.status === 201),
    ).toBe(true);
  });

  it("FlowOps cancels it: canceled everywhere, the borrower texted, audited", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "3003",
      crmJobId: "4003",
      lastName: "Rejected",
    });
    await createLoanForApplication(database, lenders, signed.applicationId);
    await cancelLenderDeclined(
      database,
      { applicationId: signed.applicationId, reason: "No other lender serves this program" },
      operator,
    );
    expect(await applicationStatus(signed.applicationId)).toBe("canceled");
    expect((await loanOf(signed.applicationId))!.status).toBe("canceled");
    expect(await templates(signed.applicationId)).toContain("lender_declined_canceled");
    expect(await crmStatus(signed.applicationId)).toMatchObject({ status: "canceled" });
    // The borrower's link says what really happened (410 with the reason, no application data).
    const thrown = await loadJourney(signed.token, "closed").catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(410);
    expect(await (thrown as Response).json()).toEqual({ reason: "lender_declined" });
    expect(closedMessage("lender_declined").paragraphs.join(" ")).toMatch(/you owe nothing on it/);
    await expect(
      cancelLenderDeclined(
        database,
        { applicationId: signed.applicationId, reason: "twice is refused" },
        operator,
      ),
    ).rejects.toBeInstanceOf(LenderDeclineActionError);
  });
});

describe("FlowOps' application page", () => {
  /** A signed-in (password + TOTP done) operator of `role`, made directly in the database. */
  async function signedIn(role: OperatorRole) {
    const created = await createOperator(database, {
      email: `${role}.${newId("x").slice(-8)}@flowpay.test`,
      name: `${role} tester`,
      role,
      password: "correct horse battery staple",
      actor: { actorType: "system", actorId: "test" },
    });
    const sessionId = newId("ses");
    const now = Date.now();
    await database.write((tx) =>
      tx.insert(operatorSessions).values({
        id: sessionId,
        operatorId: created.id,
        mfaVerifiedAt: new Date(now),
        lastSeenAt: new Date(now),
        expiresAt: new Date(now + absoluteLifetimeMs),
      }),
    );
    return (await sessionCookie().serialize(sessionId)).split(";")[0]!;
  }

  async function call(applicationId: string, cookie: string, form?: Record<string, string>) {
    const url = new URL(`/ops/applications/${applicationId}`, baseUrl);
    const request = new Request(url, {
      method: form ? "POST" : "GET",
      headers: {
        host: url.host,
        cookie,
        "user-agent": "vitest",
        ...(form
          ? { "content-type": "application/x-www-form-urlencoded", origin: url.origin }
          : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    try {
      return await (form ? detailRoute.action : detailRoute.loader)({
        request,
        params: { applicationId },
        context: {},
      });
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  }

  it("shows the lender's reason and reroutes (underwriter); support cannot", async () => {
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: "3005",
      crmJobId: "4005",
      lastName: "Rejected",
    });
    await createLoanForApplication(database, lenders, signed.applicationId);
    const underwriter = await signedIn("underwriter");
    const page = (await call(signed.applicationId, underwriter)) as Awaited<
      ReturnType<typeof detailRoute.loader>
    >;
    expect(page.detail.application.status).toBe("lender_declined");
    expect(page.detail.loan?.decline).toMatchObject({ code: "credit_policy" });
    expect(page.rerouteTo).toEqual(["second"]);

    const support = await call(signed.applicationId, await signedIn("support"), {
      intent: "reroute_lender",
      lender: "second",
    });
    expect(support instanceof Response ? support.status : 200).toBe(403);
    expect(await applicationStatus(signed.applicationId)).toBe("lender_declined");

    expect(
      await call(signed.applicationId, underwriter, {
        intent: "cancel_lender_declined",
        reason: "short",
      }),
    ).toMatchObject({
      // The form comes back with its message, as a 422 (issue 13 item 18).
      data: { error: expect.stringMatching(/at least 10 characters/) },
      init: { status: 422 },
    });
    expect(
      await call(signed.applicationId, underwriter, { intent: "reroute_lender", lender: "second" }),
    ).toMatchObject({ error: null, notice: expect.stringMatching(/Rerouted to second/) });
    expect(await applicationStatus(signed.applicationId)).toBe("approved");
  });
});

describe("the credit score disclosure (H-3)", () => {
  it("shows the snapshot's score, range, date and key factors, and is kept as a PDF once", async () => {
    const opened = await openApplication(merchant.key, { crmCustomerId: "3004", crmJobId: "4004" });
    await makeDecidable(opened.applicationId);
    expect((await decide(database, opened.applicationId)).status).toBe("approved");
    const decision = (await database.db
      .select()
      .from(decisions)
      .where(eq(decisions.applicationId, opened.applicationId))
      .get())!;
    const credit = (
      decision.snapshot as {
        inputs: {
          credit: {
            status: string;
            report: {
              score: number;
              scoreRange: { min: number; max: number };
              reportDate: string;
              scoreFactors: { description: string }[];
            };
          };
        };
      }
    ).inputs.credit;
    expect(credit.status).toBe("ok");

    const loaded = (await loadScoreNotice(database, opened.applicationId))!;
    expect(loaded.notice.score).toBe(credit.report.score);
    expect(loaded.notice.range).toEqual(credit.report.scoreRange);
    expect(loaded.notice.date).toBe(credit.report.reportDate);
    expect(loaded.notice.keyFactors.slice(0, 4)).toEqual(
      credit.report.scoreFactors.slice(0, 4).map((f) => f.description),
    );
    expect(loaded.notice.bureau.name).toBe("Experian");
    const text = loaded.notice.sections.flatMap((s) => s.lines).join("\n");
    expect(text).toContain(`Your credit score: ${credit.report.score}`);
    expect(text).toMatch(/ranks higher than \d+ percent of U\.S\. consumers/);
    expect(text).toContain("free copy of your report");
    expect(text).toContain(sandboxCreditor.legalName);

    // An underwriter's approval record (no inputs of its own) uses the reviewed decision's bureau data.
    await database.write((tx) =>
      tx.insert(decisions).values({
        ...decision,
        id: newId("dec"),
        snapshot: { resolution: "approved", tier: "A" },
        decidedAt: new Date(decision.decidedAt.getTime() + 60_000),
      }),
    );
    const reviewed = (await loadScoreNotice(database, opened.applicationId))!;
    expect(reviewed.notice.score).toBe(credit.report.score);

    const first = (await ensureScoreNoticePdf(database, opened.applicationId))!;
    const again = (await ensureScoreNoticePdf(database, opened.applicationId))!;
    expect(again.id).toBe(first.id);
    expect(Buffer.from(first.bytes.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    const stored = await database.db
      .select()
      .from(documents)
      .where(
        and(
          eq(documents.applicationId, opened.applicationId),
          eq(documents.kind, "credit_score_notice"),
        ),
      );
    expect(stored).toHaveLength(1);
  });
});

describe("who the creditor is", () => {
  it("comes from each lender's configuration, the sandbox's for the mock", () => {
    expect(creditorFor("second").legalName).toBe(secondCreditor.legalName);
    expect(creditorFor("mock")).toEqual(sandboxCreditor);
    expect(sandboxCreditor.address).toMatch(/, [A-Z]{2} \d{5}$/);
  });

  it("production refuses a lender without one, and placeholders anywhere", () => {
    const saved = { ...process.env };
    try {
      process.env.FLOWPAY_ENV = "production";
      process.env.SESSION_SECRET = "s".repeat(40);
      process.env.ENCRYPTION_KEYS = `k1:${Buffer.alloc(32, 7).toString("base64")}`;
      process.env.METRICS_TOKEN = "m".repeat(40);
      process.env.LENDERS = JSON.stringify([
        { name: "bare", baseUrl: accepting.url, apiKey, webhookSecret },
      ]);
      delete process.env.LENDER_MOCK_URL;
      resetEnvCache();
      expect(() => configuredLenders()).toThrow(/lender "bare": no creditor/);
      process.env.LENDERS = JSON.stringify([
        {
          name: "sloppy",
          baseUrl: accepting.url,
          apiKey,
          webhookSecret,
          creditor: { ...secondCreditor, address: "Address to be set, Austin, TX 78701" },
        },
      ]);
      resetEnvCache();
      expect(() => configuredLenders()).toThrow(/LENDERS/);
      process.env.LENDERS = JSON.stringify([
        { name: "good", baseUrl: accepting.url, apiKey, webhookSecret, creditor: secondCreditor },
      ]);
      resetEnvCache();
      expect(configuredLenders().map((l) => l.name)).toEqual(["good"]);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      resetEnvCache();
    }
  });
});
