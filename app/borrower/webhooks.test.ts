/**
 * Plaid and Persona webhooks end to end: the live adapters (configured against local fake
 * servers that sign the way the partners do) wired through OUR routes, served on a local HTTP
 * server that is APP_URL. The jobs the routes enqueue are run by the handlers the server
 * registers.
 */
import { startFakePersona } from "~/adapters/persona/fake-server";
import { startFakePlaid, standardItem } from "~/adapters/plaid/fake-server";
import { startRouteServer } from "~/scripts/testing/route-server";

const plaidCredentials = { clientId: "fake-plaid-client", secret: "fake-plaid-secret" };
const personaKey = "persona_sandbox_fake_key";
const personaSecrets = ["wbhsec_old_fake", "wbhsec_new_fake"];
const fakePlaid = await startFakePlaid(plaidCredentials);
const fakePersona = await startFakePersona({ apiKey: personaKey, webhookSecrets: personaSecrets });

const appServer = await startRouteServer({
  "/api/v1/webhooks/plaid": () => import("~/app/routes/api.v1.webhooks.plaid"),
  "/api/v1/webhooks/persona": () => import("~/app/routes/api.v1.webhooks.persona"),
});
process.env.APP_URL = appServer.url;
process.env.PLAID_CLIENT_ID = plaidCredentials.clientId;
process.env.PLAID_SECRET = plaidCredentials.secret;
process.env.PLAID_BASE_URL = fakePlaid.url;
process.env.PERSONA_API_KEY = personaKey;
process.env.PERSONA_TEMPLATE_ID = "itmpl_fake";
process.env.PERSONA_WEBHOOK_SECRETS = personaSecrets.join(",");
process.env.PERSONA_BASE_URL = fakePersona.url;
process.env.PERSONA_HOSTED_BASE_URL = fakePersona.url;

const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { applicationRow, jobsOf, offerFinancing, runPendingJobs } =
  await import("~/scripts/testing/borrower-harness");
const { loadJourney } = await import("./context.server");
const { linkBank } = await import("./bank.server");
const { startIdentityCheck } = await import("./identity.server");
const { getBankLink, getIdentity } = await import("./partners.server");

import { and, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { applications, auditLogs, webhookEvents } from "~/db/schema/index";

afterAll(async () => {
  await fakePlaid.close();
  await fakePersona.close();
  await appServer.close();
});

const merchant = await createMerchant({ name: "Acme Pest Control" });
const client = { ip: "203.0.113.9", userAgent: "vitest" };
const plaidUrl = `${process.env.APP_URL}/api/v1/webhooks/plaid`;
const personaUrl = `${process.env.APP_URL}/api/v1/webhooks/persona`;

async function setState(applicationId: string, values: Partial<typeof applications.$inferInsert>) {
  const database = await appDatabase();
  await database.write((tx) =>
    tx.update(applications).set(values).where(eq(applications.id, applicationId)),
  );
}

/** An application at the bank step, linked to a fresh fake Plaid item through the real link code. */
async function linkedApplication() {
  const { applicationId, token } = await offerFinancing(merchant.key);
  await setState(applicationId, { status: "in_progress", step: "consents" });
  const item = fakePlaid.addItem(standardItem());
  const result = await linkBank(await loadJourney(token, "bank"), item.publicToken, client);
  expect(result).toEqual({ ok: true });
  return { applicationId, token, item };
}

async function webhookRows(partner: string, eventIdPrefix: string) {
  const database = await appDatabase();
  return database.db
    .select()
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.partner, partner),
        sql`substr(${webhookEvents.eventId}, 1, ${eventIdPrefix.length}) = ${eventIdPrefix}`,
      ),
    );
}

async function countWebhookEvents() {
  const database = await appDatabase();
  const row = await database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM webhook_events`);
  return Number(row?.n);
}

async function auditActions(applicationId: string) {
  const database = await appDatabase();
  const rows = await database.db
    .select({ action: auditLogs.action, details: auditLogs.details })
    .from(auditLogs)
    .where(eq(auditLogs.entityId, applicationId));
  return rows;
}

function postPlaid(body: string, verification: string | null) {
  return fetch(plaidUrl, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(verification === null ? {} : { "Plaid-Verification": verification }),
    },
    body,
  });
}

function transactionsWebhook(itemId: string, code = "SYNC_UPDATES_AVAILABLE") {
  return JSON.stringify({
    webhook_type: "TRANSACTIONS",
    webhook_code: code,
    item_id: itemId,
    initial_update_complete: true,
    historical_update_complete: true,
    environment: "sandbox",
  });
}

describe("Plaid webhooks", () => {
  it("the live adapter is the one verifying", () => {
    expect(getBankLink()?.name).toBe("plaid");
  });

  it("a signed TRANSACTIONS webhook is stored once and enqueues one refresh; a re-delivery does nothing more", async () => {
    const { applicationId, item } = await linkedApplication();
    const body = transactionsWebhook(item.itemId);

    const first = await postPlaid(body, fakePlaid.signWebhook(body));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: "accepted" });
    const prefix = `TRANSACTIONS:SYNC_UPDATES_AVAILABLE:${item.itemId}:`;
    const stored = await webhookRows("plaid", prefix);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.payload).toBe(body);
    expect(stored[0]!.eventType).toBe("TRANSACTIONS.SYNC_UPDATES_AVAILABLE");
    expect(await jobsOf("refresh-bank-summary", applicationId)).toBe(1);

    // Plaid delivers the same body again (a new JWT, a new iat): 200, no second event or job.
    const again = await postPlaid(body, fakePlaid.signWebhook(body));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: "duplicate" });
    expect(await webhookRows("plaid", prefix)).toHaveLength(1);
    expect(await jobsOf("refresh-bank-summary", applicationId)).toBe(1);
  });

  it.each([
    ["no header", () => null],
    ["a flipped signature bit", (body: string) => fakePlaid.signWebhook(body, { tamper: true })],
    ["alg none", (body: string) => fakePlaid.signWebhook(body, { alg: "none" })],
    [
      "HS256 keyed with the public key",
      (body: string) => fakePlaid.signWebhook(body, { alg: "HS256" }),
    ],
    [
      "a stale iat (6 minutes)",
      (body: string) => fakePlaid.signWebhook(body, { iat: Math.floor(Date.now() / 1000) - 360 }),
    ],
    [
      "the signature of another body",
      (body: string) => fakePlaid.signWebhook(body.replace("SYNC_UPDATES", "SYNC_UPDATEZ")),
    ],
  ])("%s → 401 and nothing stored", async (_name, sign) => {
    const { applicationId, item } = await linkedApplication();
    const body = transactionsWebhook(item.itemId);
    const before = await countWebhookEvents();
    const response = await postPlaid(body, sign(body));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "unauthorized",
    );
    expect(await countWebhookEvents()).toBe(before);
    expect(await jobsOf("refresh-bank-summary", applicationId)).toBe(0);
  });

  it("when Plaid's verification key cannot be fetched → 503 (Plaid retries), nothing stored", async () => {
    const { applicationId, item } = await linkedApplication();
    const body = transactionsWebhook(item.itemId);
    const before = await countWebhookEvents();
    fakePlaid.failNext(1, 503, { path: "/webhook_verification_key/get" });
    // A kid this process has not cached yet, so the key must be fetched.
    const response = await postPlaid(body, fakePlaid.signWebhook(body, { kid: "rotated-kid-2" }));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("60");
    expect(await countWebhookEvents()).toBe(before);
    expect(await jobsOf("refresh-bank-summary", applicationId)).toBe(0);
  });

  it("the refresh job summarises the item again and stores the new summary", async () => {
    const { applicationId, item } = await linkedApplication();
    const linked = (await applicationRow(applicationId))!.bankSummary as {
      incomeDepositCount: number;
    };
    // Plaid has new transactions: one more payroll deposit.
    item.events.push({
      kind: "added",
      transaction: {
        transaction_id: "t-pay-3",
        account_id: "fake-acc-checking",
        amount: -2000,
        date: "2025-03-31",
        name: "ACME CORP PAYROLL",
        merchant_name: null,
        pending: false,
        category: null,
        personal_finance_category: { primary: "INCOME", detailed: "INCOME_WAGES" },
      },
    });
    const body = transactionsWebhook(item.itemId, "HISTORICAL_UPDATE");
    expect((await postPlaid(body, fakePlaid.signWebhook(body))).status).toBe(200);
    expect(await runPendingJobs("refresh-bank-summary")).toBeGreaterThanOrEqual(1);

    const refreshed = (await applicationRow(applicationId))!.bankSummary as {
      incomeDepositCount: number;
    };
    expect(refreshed.incomeDepositCount).toBe(linked.incomeDepositCount + 1);
    expect((await auditActions(applicationId)).map((a) => a.action)).toContain(
      "application.bank_summary_refreshed",
    );
  });

  it("no refresh for a decided application: its summary is what was decided on", async () => {
    const { applicationId, item } = await linkedApplication();
    await setState(applicationId, { status: "approved" });
    const body = transactionsWebhook(item.itemId);
    expect((await postPlaid(body, fakePlaid.signWebhook(body))).status).toBe(200);
    expect(
      await webhookRows("plaid", `TRANSACTIONS:SYNC_UPDATES_AVAILABLE:${item.itemId}:`),
    ).toHaveLength(1);
    expect(await jobsOf("refresh-bank-summary", applicationId)).toBe(0);
  });

  it("ITEM ERROR is stored and recorded on the application, without a refresh", async () => {
    const { applicationId, item } = await linkedApplication();
    const body = JSON.stringify({
      webhook_type: "ITEM",
      webhook_code: "ERROR",
      item_id: item.itemId,
      error: {
        error_type: "ITEM_ERROR",
        error_code: "ITEM_LOGIN_REQUIRED",
        error_message: "the login details of this item have changed",
      },
      environment: "sandbox",
    });
    const response = await postPlaid(body, fakePlaid.signWebhook(body));
    expect(response.status).toBe(200);
    expect(await webhookRows("plaid", `ITEM:ERROR:${item.itemId}:`)).toHaveLength(1);
    const recorded = (await auditActions(applicationId)).filter(
      (a) => a.action === "application.bank_item_event",
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.details).toMatchObject({
      webhook_code: "ERROR",
      error_code: "ITEM_LOGIN_REQUIRED",
    });
    expect(await jobsOf("refresh-bank-summary", applicationId)).toBe(0);
  });
});

/** An application at the identity step with an inquiry created at the fake Persona. */
async function applicationWithInquiry() {
  const { applicationId, token } = await offerFinancing(merchant.key);
  await setState(applicationId, { status: "in_progress", step: "bank" });
  const started = await startIdentityCheck(await loadJourney(token, "identity"));
  expect(started.ok).toBe(true);
  const row = (await applicationRow(applicationId))!;
  expect(row.kycInquiryId).toMatch(/^inq_/);
  return { applicationId, inquiryId: row.kycInquiryId! };
}

const at = (base: number, seconds: number) => new Date(base + seconds * 1000);

describe("Persona webhooks", () => {
  it("the live adapter is the one verifying", () => {
    expect(getIdentity()?.name).toBe("persona");
  });

  it("out-of-order events end in the status of the newest one; a replay changes nothing", async () => {
    const { applicationId, inquiryId } = await applicationWithInquiry();
    const t0 = Date.now() - 60_000;
    const send = (name: string, seconds: number, eventId: string) =>
      fakePersona.sendWebhook(personaUrl, {
        name,
        inquiryId,
        eventId,
        createdAt: at(t0, seconds),
      });

    // Arrival order: approved, started, completed (created-at order: started, completed, approved).
    const approved = await send("inquiry.approved", 30, `evt_${inquiryId}_approved`);
    expect(approved.status).toBe(200);
    expect(JSON.parse(approved.body)).toEqual({ status: "accepted" });
    expect(await webhookRows("persona", `${inquiryId}:`)).toHaveLength(1);
    expect(await jobsOf("apply-kyc-event", inquiryId)).toBe(1);
    expect((await send("inquiry.started", 10, `evt_${inquiryId}_started`)).status).toBe(200);
    expect((await send("inquiry.completed", 20, `evt_${inquiryId}_completed`)).status).toBe(200);
    // Three events stored, one pending job for the inquiry (it reads them all).
    expect(await webhookRows("persona", `${inquiryId}:`)).toHaveLength(3);
    expect(await jobsOf("apply-kyc-event", inquiryId)).toBe(1);

    await runPendingJobs("apply-kyc-event");
    expect((await applicationRow(applicationId))!.kycStatus).toBe("approved");

    // Persona delivers "approved" again: 200, nothing stored, no job.
    const replay = await send("inquiry.approved", 30, `evt_${inquiryId}_approved`);
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body)).toEqual({ status: "duplicate" });
    expect(await webhookRows("persona", `${inquiryId}:`)).toHaveLength(3);
    expect(await jobsOf("apply-kyc-event", inquiryId)).toBe(1);

    // A late "created" (the oldest event of all) does not move the status back.
    expect((await send("inquiry.created", 0, `evt_${inquiryId}_created`)).status).toBe(200);
    await runPendingJobs("apply-kyc-event");
    expect((await applicationRow(applicationId))!.kycStatus).toBe("approved");
  });

  it("applied one by one in a scrambled order, the status still follows created-at", async () => {
    const { applicationId, inquiryId } = await applicationWithInquiry();
    const t0 = Date.now() - 60_000;
    const steps: [string, number, string][] = [
      ["inquiry.completed", 20, "completed"],
      ["inquiry.started", 10, "completed"], // older than "completed": no change
      ["inquiry.marked-for-review", 30, "needs_review"],
      ["inquiry.approved", 40, "approved"], // a reviewer approves: the newer decision wins
    ];
    for (const [name, seconds, expected] of steps) {
      const delivery = await fakePersona.sendWebhook(personaUrl, {
        name,
        inquiryId,
        createdAt: at(t0, seconds),
      });
      expect(delivery.status).toBe(200);
      await runPendingJobs("apply-kyc-event");
      expect((await applicationRow(applicationId))!.kycStatus, name).toBe(expected);
    }
  });

  it("accepts either webhook secret during a rotation; anything else → 401, nothing stored", async () => {
    const { inquiryId } = await applicationWithInquiry();
    const withNew = await fakePersona.sendWebhook(
      personaUrl,
      { name: "inquiry.started", inquiryId },
      { secret: personaSecrets[1] },
    );
    expect(withNew.status).toBe(200);
    const withBoth = await fakePersona.sendWebhook(
      personaUrl,
      { name: "inquiry.completed", inquiryId },
      { rotatePair: true },
    );
    expect(withBoth.status).toBe(200);
    expect(await webhookRows("persona", `${inquiryId}:`)).toHaveLength(2);

    const before = await countWebhookEvents();
    const forged = await fakePersona.sendWebhook(
      personaUrl,
      { name: "inquiry.approved", inquiryId },
      { secret: "wbhsec_guessed" },
    );
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).error.code).toBe("unauthorized");
    const stale = await fakePersona.sendWebhook(
      personaUrl,
      { name: "inquiry.approved", inquiryId },
      { t: Math.floor(Date.now() / 1000) - 600 },
    );
    expect(stale.status).toBe(401);
    const unsigned = await fetch(personaUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: forged.requestBody,
    });
    expect(unsigned.status).toBe(401);
    expect(await countWebhookEvents()).toBe(before);
  });

  it("a signed event that is not about an inquiry → 200, ignored and not stored", async () => {
    const body = JSON.stringify({
      data: {
        type: "event",
        id: "evt_account_1",
        attributes: {
          name: "account.created",
          "created-at": new Date().toISOString(),
          payload: { data: { type: "account", id: "act_123", attributes: {} } },
        },
      },
    });
    const before = await countWebhookEvents();
    const response = await fetch(personaUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Persona-Signature": fakePersona.signature(
          body,
          personaSecrets[0]!,
          Math.floor(Date.now() / 1000),
        ),
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ignored" });
    expect(await countWebhookEvents()).toBe(before);
  });

  it("after the decision, a newer status is recorded but the application's is not rewritten", async () => {
    const { applicationId, inquiryId } = await applicationWithInquiry();
    await setState(applicationId, { status: "approved", kycStatus: "approved" });
    const delivery = await fakePersona.sendWebhook(personaUrl, {
      name: "inquiry.marked-for-review",
      inquiryId,
    });
    expect(delivery.status).toBe(200);
    await runPendingJobs("apply-kyc-event");
    expect((await applicationRow(applicationId))!.kycStatus).toBe("approved");
    const recorded = (await auditActions(applicationId)).filter(
      (a) => a.action === "application.kyc_changed_after_decision",
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.details).toMatchObject({
      kyc_status: "needs_review",
      held_kyc_status: "approved",
    });
  });
});
