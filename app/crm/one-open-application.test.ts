import { appDatabase, callRoute, createMerchant, jsonHeaders } from "~/scripts/testing/app-harness";
import { readFileSync } from "node:fs";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { applications, smsOptOuts } from "~/db/schema/index";
import * as offerRoute from "~/app/routes/api.v1.crm.offer-financing";
import * as getRoute from "~/app/routes/api.v1.crm.applications.$applicationId";
import * as resendRoute from "~/app/routes/api.v1.crm.applications.$applicationId.resend";
import { resolveLink } from "~/app/borrower/links.server";
import { messageBody } from "~/app/messaging/sms.server";

/**
 * One open application per merchant and CRM job (ADR 026) and saying what really happened to
 * the text (ADR 027), through the CRM API routes on a real database file.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let merchant: Awaited<ReturnType<typeof createMerchant>>;
beforeAll(async () => {
  merchant = await createMerchant({ name: "Acme Pest Control" });
});

let nextPhone = 4100;
const payload = (job: string, amount: number, overrides: Json = {}) => ({
  crm: "fieldroutes",
  crm_customer_id: `FR-${job}`,
  customer: { first_name: "Jane", last_name: "Roe", phone: `+1512555${nextPhone}` },
  job: { crm_job_id: job, estimate_cents: amount },
  ...overrides,
});

async function offer(body: unknown, headers: Record<string, string> = {}) {
  const response = await callRoute(offerRoute, {
    method: "POST",
    path: "/api/v1/crm/offer-financing",
    headers: jsonHeaders(merchant.key, headers),
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

async function view(id: string) {
  const response = await callRoute(getRoute, {
    path: `/api/v1/crm/applications/${id}`,
    params: { applicationId: id },
    headers: jsonHeaders(merchant.key),
  });
  return (await response.json()) as Json;
}

async function count(table: string, where: string) {
  const database = await appDatabase();
  const row = await database.db.get<{ n: number }>(
    sql.raw(`SELECT count(*) AS n FROM ${table} WHERE ${where}`),
  );
  return row!.n;
}

const ofJob = (job: string) =>
  `service_job_id IN (SELECT id FROM service_jobs WHERE crm_job_id = '${job}')`;
const tokenOf = (url: string) => url.split("/").pop()!;

async function texts(phone: string) {
  const database = await appDatabase();
  const rows = await database.db.all<{ template: string; status: string; body_enc: string }>(
    sql`SELECT template, status, body_enc FROM messages WHERE recipient = ${phone} ORDER BY created_at`,
  );
  return rows.map((row) => ({ ...row, body: messageBody(row.body_enc) }));
}

describe("one open application per CRM job", () => {
  it("the same job and amount again returns the open application (200), with no second text", async () => {
    const body = payload("J-DUP", 250000);
    const first = await offer(body);
    expect(first.status).toBe(201);
    const again = await offer(body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({
      application_id: first.json.application_id,
      status: "link_sent",
      apply_url: first.json.apply_url,
      expires_at: first.json.expires_at,
      sms_status: "skipped_duplicate",
    });
    expect(await count("applications", ofJob("J-DUP"))).toBe(1);
    expect(await texts(body.customer.phone)).toHaveLength(1);
  });

  it("two requests at once for one job create one application and one text", async () => {
    nextPhone++;
    const body = payload("J-RACE", 260000);
    const answers = await Promise.all([offer(body), offer(body), offer(body), offer(body)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.json.application_id)).size).toBe(1);
    expect(await count("applications", ofJob("J-RACE"))).toBe(1);
    expect(await texts(body.customer.phone)).toHaveLength(1);
  });

  it("the database itself refuses a second open application for a job", async () => {
    const first = await offer(payload("J-INDEX", 270000));
    const database = await appDatabase();
    const original = await database.db.query.applications.findFirst({
      where: eq(applications.id, first.json.application_id),
    });
    const copy = { ...original!, id: "app_00000000000000000000000000" };
    await expect(database.write((tx) => tx.insert(applications).values(copy))).rejects.toThrow();
    expect(await count("applications", ofJob("J-INDEX"))).toBe(1);
  });

  it("another amount supersedes it: old link revoked and says replaced, one text tells the borrower", async () => {
    nextPhone++;
    const first = await offer(payload("J-SUP", 300000));
    const second = await offer(payload("J-SUP", 350000));
    expect(second.status).toBe(201);
    expect(second.json).toMatchObject({
      status: "link_sent",
      sms_status: "queued",
      replaces_application_id: first.json.application_id,
    });
    expect(second.json.application_id).not.toBe(first.json.application_id);

    const old = await view(first.json.application_id);
    expect(old).toMatchObject({ status: "canceled", superseded_by: second.json.application_id });
    expect((await view(second.json.application_id)).amount_cents).toBe(350000);

    const database = await appDatabase();
    expect(await resolveLink(database, tokenOf(first.json.apply_url))).toEqual({
      kind: "closed",
      reason: "superseded",
    });
    expect((await resolveLink(database, tokenOf(second.json.apply_url))).kind).toBe("ok");

    // Two texts in all: the first link, then one that carries the new link and says why.
    const sent = await texts(payload("J-SUP", 0).customer.phone);
    expect(sent.map((t) => t.template)).toEqual(["apply_link", "apply_link_replaced"]);
    expect(sent[1]!.body).toContain("no longer works");
    expect(sent[1]!.body).toContain(second.json.apply_url);
    expect(sent[1]!.body).toContain("$3,500.00");
    // The CRM hears that the old one is canceled.
    expect(
      await count(
        "outbox",
        `kind = 'sync-to-crm' AND key = 'sync-to-crm:${first.json.application_id}:canceled'`,
      ),
    ).toBe(1);
    expect(
      await count(
        "audit_logs",
        `entity_id = '${first.json.application_id}' AND action = 'application.supersede'`,
      ),
    ).toBe(1);

    // The same request again now finds the new application: a duplicate, not a third one.
    const third = await offer(payload("J-SUP", 350000));
    expect(third).toMatchObject({
      status: 200,
      json: { application_id: second.json.application_id },
    });
  });

  it("superseding with send_sms false still tells the borrower the old link stopped working", async () => {
    nextPhone++;
    await offer(payload("J-SUP-NOSMS", 300000));
    const second = await offer(payload("J-SUP-NOSMS", 310000, { send_sms: false }));
    expect(second.json).toMatchObject({ status: "link_created", sms_status: "not_requested" });
    const sent = await texts(payload("J", 0).customer.phone);
    expect(sent.map((t) => t.template)).toEqual(["apply_link", "link_replaced"]);
    expect(sent[1]!.body).not.toContain("/apply/");
  });

  it("an application already signed is never superseded: 409, nothing written", async () => {
    nextPhone++;
    const first = await offer(payload("J-SIGNED", 400000));
    const database = await appDatabase();
    await database.write((tx) =>
      tx
        .update(applications)
        .set({ status: "offer_accepted" })
        .where(eq(applications.id, first.json.application_id)),
    );
    for (const amount of [400000, 450000]) {
      const refused = await offer(payload("J-SIGNED", amount));
      expect(refused.status).toBe(409);
      expect(refused.json.error.code).toBe("invalid_state");
      expect(refused.json.error.message).toContain("already has a signed financing agreement");
    }
    expect(await count("applications", ofJob("J-SIGNED"))).toBe(1);
    expect((await view(first.json.application_id)).status).toBe("offer_accepted");
    expect(await texts(payload("J", 0).customer.phone)).toHaveLength(1);
  });

  it("an application whose link expired no longer counts: a new offer opens a new one", async () => {
    nextPhone++;
    const first = await offer(payload("J-STALE", 200000));
    const database = await appDatabase();
    await database.client.execute({
      sql: "UPDATE application_links SET expires_at = ? WHERE application_id = ?",
      args: [Date.now() - 1000, first.json.application_id],
    });
    const second = await offer(payload("J-STALE", 200000));
    expect(second.status).toBe(201);
    expect(second.json.replaces_application_id).toBeUndefined();
    expect((await view(first.json.application_id)).status).toBe("expired");
    // Reviving the expired one would make two open applications for the job: refused.
    const resend = await callRoute(resendRoute, {
      method: "POST",
      path: `/api/v1/crm/applications/${first.json.application_id}/resend`,
      params: { applicationId: first.json.application_id },
      headers: jsonHeaders(merchant.key),
    });
    expect(resend.status).toBe(409);
  });

  it("an open application whose link ran out (approved, waiting for the borrower) is not handed back dead", async () => {
    nextPhone++;
    const first = await offer(payload("J-APPROVED-OLD", 200000));
    const database = await appDatabase();
    await database.write((tx) =>
      tx
        .update(applications)
        .set({ status: "approved" })
        .where(eq(applications.id, first.json.application_id)),
    );
    await database.client.execute({
      sql: "UPDATE application_links SET expires_at = ? WHERE application_id = ?",
      args: [Date.now() - 1000, first.json.application_id],
    });
    const again = await offer(payload("J-APPROVED-OLD", 200000));
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain(`${first.json.application_id}/resend`);
    expect(await count("applications", ofJob("J-APPROVED-OLD"))).toBe(1);
  });

  it("the same Idempotency-Key after a supersede still replays its own first answer", async () => {
    nextPhone++;
    const first = await offer(payload("J-IDEM-SUP", 200000), { "Idempotency-Key": "k-1" });
    await offer(payload("J-IDEM-SUP", 220000), { "Idempotency-Key": "k-2" });
    const replay = await offer(payload("J-IDEM-SUP", 200000), { "Idempotency-Key": "k-1" });
    expect(replay).toEqual(first);
    expect(await count("applications", ofJob("J-IDEM-SUP"))).toBe(2);
  });
});

describe("what the answer says about the text", () => {
  async function optOut(phone: string) {
    const database = await appDatabase();
    await database.write((tx) =>
      tx.insert(smsOptOuts).values({ phone, keyword: "STOP", optedOutAt: new Date() }),
    );
  }

  it("an opted-out number: link_created, suppressed_opted_out, the same on replay; resend says so too", async () => {
    nextPhone++;
    const body = payload("J-OPTED", 200000);
    await optOut(body.customer.phone);
    const created = await offer(body, { "Idempotency-Key": "opted-1" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      status: "link_created",
      sms_status: "suppressed_opted_out",
    });
    expect(await offer(body, { "Idempotency-Key": "opted-1" })).toEqual(created);
    const id = created.json.application_id;
    expect(await view(id)).toMatchObject({ status: "link_created", sms_status: "suppressed" });
    expect((await texts(body.customer.phone)).map((t) => t.status)).toEqual(["suppressed"]);

    const resend = await callRoute(resendRoute, {
      method: "POST",
      path: `/api/v1/crm/applications/${id}/resend`,
      params: { applicationId: id },
      headers: jsonHeaders(merchant.key),
    });
    expect(resend.status).toBe(202);
    expect(await resend.json()).toMatchObject({
      status: "link_created",
      sms_sent: false,
      sms_status: "suppressed_opted_out",
    });
    expect((await texts(body.customer.phone)).map((t) => t.status)).toEqual([
      "suppressed",
      "suppressed",
    ]);
  });

  it("a number that may be texted: resend answers queued and sms_sent true", async () => {
    nextPhone++;
    const created = await offer(payload("J-RESEND-OK", 200000));
    const id = created.json.application_id;
    const resend = await callRoute(resendRoute, {
      method: "POST",
      path: `/api/v1/crm/applications/${id}/resend`,
      params: { applicationId: id },
      headers: jsonHeaders(merchant.key),
    });
    expect(await resend.json()).toMatchObject({
      status: "link_sent",
      sms_sent: true,
      sms_status: "queued",
    });
  });
});

describe("migration 0015", () => {
  it("keeps the newest of duplicate open applications and supersedes the older ones", async () => {
    const database = await appDatabase();
    nextPhone++;
    const kept = await offer(payload("J-MIGRATE", 200000));
    const older = await offer(payload("J-MIGRATE-OTHER", 200000));
    // A database from before the index: the older application moved onto the same job.
    await database.client.execute("DROP INDEX applications_open_job_idx");
    await database.client.execute({
      sql: `UPDATE applications SET created_at = created_at - 60000, service_job_id =
        (SELECT service_job_id FROM applications WHERE id = ?) WHERE id = ?`,
      args: [kept.json.application_id, older.json.application_id],
    });
    const migration = readFileSync("db/migrations/0015_one_open_application_per_job.sql", "utf8")
      .split("--> statement-breakpoint")
      .map((statement) => statement.trim())
      .filter((statement) => !/^ALTER TABLE|^CREATE INDEX/.test(statement));
    for (const statement of migration) await database.client.execute(statement);

    expect(await view(older.json.application_id)).toMatchObject({
      status: "canceled",
      superseded_by: kept.json.application_id,
    });
    expect((await view(kept.json.application_id)).status).toBe("link_sent");
    expect(await resolveLink(database, tokenOf(older.json.apply_url))).toEqual({
      kind: "closed",
      reason: "superseded",
    });
  });
});
