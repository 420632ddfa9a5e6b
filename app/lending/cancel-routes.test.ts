/**
 * Cancellation before disbursement by the borrower (the done page's "Cancel this financing", a
 * plain form) and by FlowOps (the application page), against a real database and a real mock
 * lender (docs/product/merchants-and-money.md, "Money after the signature"; ADR 055): the loan is
 * withdrawn at the lender through the outbox, and the borrower's link then says who canceled.
 */
import { startMockLender } from "~/adapters/lender/index";

const apiKey = "mock-lender-cancel-key";
const webhookSecret = "mock-lender-cancel-webhook-secret";
const lender = await startMockLender({ apiKey, webhookSecret, fundingDelayMs: 60_000 });
process.env.LENDER_MOCK_URL = lender.url;
process.env.LENDER_MOCK_API_KEY = apiKey;
process.env.LENDER_MOCK_WEBHOOK_SECRET = webhookSecret;

const { appDatabase, baseUrl, createMerchant } = await import("~/scripts/testing/app-harness");
const { signedApplication, loanOf } = await import("./test-helpers");
const { createLoanForApplication } = await import("./funding.server");
const { withdrawAtLender } = await import("./cancel.server");
const { getLenders } = await import("./lenders.server");
const { resolveLink } = await import("~/app/borrower/links.server");
const { createOperator } = await import("~/app/ops/operators.server");
const { absoluteLifetimeMs, sessionCookie } = await import("~/app/ops/session.server");
const doneRoute = await import("~/app/routes/apply.$token.done");
const opsRoute = await import("~/app/routes/ops.applications.$applicationId");

import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { applications, messages, operatorSessions, outbox } from "~/db/schema/index";

const database = await appDatabase();
const merchant = await createMerchant({ name: "Acme Pest Control", merchantFeeBps: 300 });
afterAll(() => lender.close());

let n = 0;
async function booked() {
  n += 1;
  const signed = await signedApplication(merchant.key, {
    crmCustomerId: `CX-${n}`,
    crmJobId: `CX-JOB-${n}`,
  });
  await createLoanForApplication(database, await getLenders(), signed.applicationId);
  return { ...signed, loan: (await loanOf(signed.applicationId))! };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a route's loader or action
type RouteFn = (args: any) => unknown;

async function post(fn: RouteFn, path: string, params: object, form: object, cookie = "") {
  const url = new URL(path, baseUrl);
  const request = new Request(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: url.origin,
      host: url.host,
      "user-agent": "vitest",
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(form as Record<string, string>).toString(),
  });
  try {
    return await fn({ request, params, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const statusOf = async (id: string) =>
  (await database.db.select().from(applications).where(eq(applications.id, id)).get())?.status;

async function withdrawJobsRun(loanId: string) {
  const jobs = await database.db.select().from(outbox).where(eq(outbox.kind, "withdraw-loan"));
  const mine = jobs.filter((j) => String(j.payload).includes(loanId));
  expect(mine).toHaveLength(1);
  return withdrawAtLender(database, await getLenders(), loanId);
}

describe("the borrower cancels from their link", () => {
  it("needs the confirmation, then withdraws the loan and the link says 'you canceled'", async () => {
    const app = await booked();
    const path = `/apply/${app.token}/done`;
    const unconfirmed = await post(
      doneRoute.action,
      path,
      { token: app.token },
      {
        intent: "cancel_financing",
        website: "",
      },
    );
    expect(unconfirmed).toMatchObject({ error: expect.stringMatching(/Tick the box/) });
    expect(await statusOf(app.applicationId)).toBe("pending_funding");

    const done = (await post(
      doneRoute.action,
      path,
      { token: app.token },
      {
        intent: "cancel_financing",
        confirm: "yes",
        website: "",
      },
    )) as Response;
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe(`/apply/${app.token}`);
    expect(await statusOf(app.applicationId)).toBe("canceled");
    expect(await resolveLink(database, app.token)).toEqual({
      kind: "closed",
      reason: "canceled_by_borrower",
    });
    const texts = await database.db
      .select()
      .from(messages)
      .where(eq(messages.applicationId, app.applicationId));
    expect(texts.map((t) => t.template)).toContain("financing_canceled");

    expect(await withdrawJobsRun(app.loan.id)).toMatchObject({ kind: "done", status: "canceled" });
    expect(lender.loans.get(app.loan.lenderLoanId!)!.status).toBe("canceled");
  });
});

describe("FlowOps cancels from the application page", () => {
  it("with a reason (audited), withdraws the loan; a second cancel changes nothing", async () => {
    const app = await booked();
    const operator = await createOperator(database, {
      email: `uw.${newId("x").slice(-8)}@flowpay.test`,
      name: "Underwriter",
      role: "underwriter",
      password: "correct horse battery staple",
      actor: { actorType: "system", actorId: "test" },
    });
    const sessionId = newId("ses");
    const now = Date.now();
    await database.write((tx) =>
      tx.insert(operatorSessions).values({
        id: sessionId,
        operatorId: operator.id,
        mfaVerifiedAt: new Date(now),
        lastSeenAt: new Date(now),
        expiresAt: new Date(now + absoluteLifetimeMs),
      }),
    );
    const cookie = (await sessionCookie().serialize(sessionId)).split(";")[0]!;
    const path = `/ops/applications/${app.applicationId}`;
    const params = { applicationId: app.applicationId };

    const tooShort = (await post(
      opsRoute.action,
      path,
      params,
      {
        intent: "cancel_financing",
        reason: "no",
      },
      cookie,
    )) as { data: { error: string } };
    expect(tooShort.data.error).toMatch(/at least 10/);
    expect(await statusOf(app.applicationId)).toBe("pending_funding");

    const done = await post(
      opsRoute.action,
      path,
      params,
      {
        intent: "cancel_financing",
        reason: "Customer called support to cancel the job",
      },
      cookie,
    );
    expect(done).toMatchObject({ notice: expect.stringMatching(/withdrawn at the lender/) });
    expect(await statusOf(app.applicationId)).toBe("canceled");
    expect(await withdrawJobsRun(app.loan.id)).toMatchObject({ kind: "done", status: "canceled" });
    // A second attempt is refused: it is already canceled (nothing to do twice).
    const again = await post(
      opsRoute.action,
      path,
      params,
      {
        intent: "cancel_financing",
        reason: "Customer called support to cancel the job",
      },
      cookie,
    );
    expect(again).toMatchObject({ notice: expect.any(String) });
  });
});
