import {
  baseUrl,
  appDatabase,
  callRoute,
  createMerchant,
  jsonHeaders,
} from "~/scripts/testing/app-harness";
import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { apiKeys, applications, merchants } from "~/db/schema/index";
import * as offerRoute from "~/app/routes/api.v1.crm.offer-financing";
import * as getRoute from "~/app/routes/api.v1.crm.applications.$applicationId";
import * as resendRoute from "~/app/routes/api.v1.crm.applications.$applicationId.resend";
import * as cancelRoute from "~/app/routes/api.v1.crm.applications.$applicationId.cancel";
import { resolveLink } from "~/app/borrower/links.server";
import { offerFinancing } from "./offer-financing.server";
import { offerFinancingRequest } from "./schemas";
import { rotateApiKey, revokeApiKey } from "./api-keys.server";
import { keyCacheMs } from "./key-cache.server";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const body = (overrides: Json = {}) => ({
  crm: "fieldroutes",
  crm_customer_id: "FR12345",
  customer: {
    first_name: "John",
    last_name: "Doe",
    email: "john@example.com",
    phone: "+15125550123",
    address: { line1: "1 Main St", city: "Austin", state: "TX", postal_code: "78701" },
  },
  job: { crm_job_id: "JOB-9876", description: "Termite treatment", estimate_cents: 750000 },
  send_sms: true,
  ...overrides,
});

let merchantA: Awaited<ReturnType<typeof createMerchant>>;
let merchantB: Awaited<ReturnType<typeof createMerchant>>;
beforeAll(async () => {
  merchantA = await createMerchant({ name: "Acme Pest Control" });
  merchantB = await createMerchant({ name: "Bugs Begone" });
});

const offer = (key: string, payload: unknown, headers: Record<string, string> = {}) =>
  callRoute(offerRoute, {
    method: "POST",
    path: "/api/v1/crm/offer-financing",
    headers: jsonHeaders(key, headers),
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });

const getApp = (key: string, id: string) =>
  callRoute(getRoute, {
    path: `/api/v1/crm/applications/${id}`,
    params: { applicationId: id },
    headers: jsonHeaders(key),
  });

async function count(table: string, where = "1=1") {
  const database = await appDatabase();
  const row = await database.db.get<{ n: number }>(
    sql.raw(`SELECT count(*) AS n FROM ${table} WHERE ${where}`),
  );
  return row!.n;
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const json = (await response.json()) as Json;
  expect(json.error.code).toBe(code);
  expect(typeof json.error.message).toBe("string");
  expect(json.error).toHaveProperty("request_id");
  expect(JSON.stringify(json)).not.toMatch(/\n\s+at /); // never a stack trace
  return json.error;
}

describe("POST /api/v1/crm/offer-financing", () => {
  it("opens an application, texts the link, and stores the token only as a hash", async () => {
    const response = await offer(
      merchantA.key,
      body({ crm_customer_id: "FR-1", job: { crm_job_id: "J-1", estimate_cents: 750000 } }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get("ratelimit-limit")).toBe("100000");
    const json = (await response.json()) as Json;
    expect(json).toMatchObject({ status: "link_sent", sms_status: "queued" });
    expect(json.application_id).toMatch(/^app_[0-9a-z]{26}$/);
    expect(json.apply_url).toMatch(new RegExp(`^${baseUrl}/apply/[\\w-]{43}$`));
    const hours = (Date.parse(json.expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);

    const token = json.apply_url.split("/").pop();
    const database = await appDatabase();
    const link = await resolveLink(database, token);
    expect(link.kind).toBe("ok");
    // The token appears nowhere in the database in clear.
    const dump = await database.client.execute(
      "SELECT group_concat(token_hash) AS h FROM application_links UNION ALL SELECT group_concat(body_enc) FROM messages UNION ALL SELECT group_concat(response_body) FROM idempotency_keys",
    );
    expect(JSON.stringify(dump.rows)).not.toContain(token);

    expect(
      await count("messages", `application_id = '${json.application_id}' AND channel = 'sms'`),
    ).toBe(1);
    expect(await count("outbox", "kind = 'send-sms'")).toBeGreaterThanOrEqual(1);

    const view = (await (await getApp(merchantA.key, json.application_id)).json()) as Json;
    expect(view).toMatchObject({
      application_id: json.application_id,
      status: "link_sent",
      crm_customer_id: "FR-1",
      crm_job_id: "J-1",
      amount_cents: 750000,
      decision: null,
      selected_offer: null,
      loan: null,
      sms_status: "queued",
    });
  });

  it("upserts the customer and the CRM job by their CRM ids instead of duplicating them", async () => {
    await offer(
      merchantA.key,
      body({ crm_customer_id: "FR-UP", job: { crm_job_id: "J-UP", estimate_cents: 100000 } }),
    );
    const second = body({
      crm_customer_id: "FR-UP",
      customer: { first_name: "Johnny", last_name: "Doe", phone: "(512) 555-0199" },
      job: { crm_job_id: "J-UP", estimate_cents: 120000 },
    });
    expect((await offer(merchantA.key, second)).status).toBe(201);
    expect(await count("customers", "crm_customer_id = 'FR-UP'")).toBe(1);
    expect(await count("service_jobs", "crm_job_id = 'J-UP'")).toBe(1);
    const database = await appDatabase();
    const customer = await database.client.execute(
      "SELECT first_name, phone FROM customers WHERE crm_customer_id = 'FR-UP'",
    );
    expect(customer.rows[0]).toMatchObject({ first_name: "Johnny", phone: "+15125550199" });
    // Another merchant's customer with the same CRM id is a different customer.
    await offer(
      merchantB.key,
      body({ crm_customer_id: "FR-UP", job: { crm_job_id: "J-UP", estimate_cents: 100000 } }),
    );
    expect(await count("customers", "crm_customer_id = 'FR-UP'")).toBe(2);
  });

  it("replays the first response for the same Idempotency-Key and body, and sends one text", async () => {
    const payload = body({
      crm_customer_id: "FR-IDEM",
      job: { crm_job_id: "J-IDEM", estimate_cents: 200000 },
    });
    const first = await offer(merchantA.key, payload, { "Idempotency-Key": "idem-1" });
    const firstJson = (await first.json()) as Json;
    // Same body, keys in another order.
    const reordered = JSON.parse(
      JSON.stringify({
        send_sms: payload.send_sms,
        job: payload.job,
        customer: payload.customer,
        crm_customer_id: payload.crm_customer_id,
        crm: payload.crm,
      }),
    );
    const again = await offer(merchantA.key, reordered, { "Idempotency-Key": "idem-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstJson);
    expect(
      await count(
        "applications",
        "service_job_id IN (SELECT id FROM service_jobs WHERE crm_job_id = 'J-IDEM')",
      ),
    ).toBe(1);
    expect(await count("messages", `application_id = '${firstJson.application_id}'`)).toBe(1);

    const conflict = await offer(
      merchantA.key,
      { ...payload, send_sms: false },
      { "Idempotency-Key": "idem-1" },
    );
    await expectError(conflict, 409, "idempotency_conflict");
    // Keys are per merchant: B may use the same key for its own request.
    expect((await offer(merchantB.key, payload, { "Idempotency-Key": "idem-1" })).status).toBe(201);
  });

  it("after a crash between commit and response, the retry returns the same application and texts once", async () => {
    const payload = body({
      crm_customer_id: "FR-CRASH",
      job: { crm_job_id: "J-CRASH", estimate_cents: 300000 },
    });
    const database = await appDatabase();
    const merchant = await database.db.query.merchants.findFirst({
      where: eq(merchants.id, merchantA.id),
    });
    // The first request commits, then the process dies before answering: nobody sees this result.
    const lost = await offerFinancing(
      database,
      { merchant: merchant!, keyId: merchantA.keyId, ip: null, userAgent: null },
      offerFinancingRequest.parse(payload),
      { key: "crash-1", hash: (await import("./idempotency.server")).requestHash(payload) },
    );
    const retry = await offer(merchantA.key, payload, { "Idempotency-Key": "crash-1" });
    expect(retry.status).toBe(201);
    expect(((await retry.json()) as Json).application_id).toBe(lost.applicationId);
    expect(await count("messages", `application_id = '${lost.applicationId}'`)).toBe(1);
    expect(
      await count(
        "outbox",
        `kind = 'send-sms' AND payload LIKE '%' || (SELECT id FROM messages WHERE application_id = '${lost.applicationId}') || '%'`,
      ),
    ).toBe(1);
  });

  it("does not text when send_sms is false", async () => {
    const response = await offer(
      merchantA.key,
      body({
        crm_customer_id: "FR-NOSMS",
        send_sms: false,
        job: { crm_job_id: "J-NOSMS", estimate_cents: 100000 },
      }),
    );
    const json = (await response.json()) as Json;
    // No text carried the link: the answer says so instead of "link_sent" (ADR 027).
    expect(json).toMatchObject({ status: "link_created", sms_status: "not_requested" });
    expect(await count("messages", `application_id = '${json.application_id}'`)).toBe(0);
    const view = (await (await getApp(merchantA.key, json.application_id)).json()) as Json;
    expect(view).toMatchObject({ status: "link_created", sms_status: "not_sent" });
  });
});

describe("the error table of docs/product/api.md", () => {
  it("400 bad_request: not JSON, wrong content type, body over 64 KiB, bad Idempotency-Key", async () => {
    await expectError(await offer(merchantA.key, "{not json"), 400, "bad_request");
    const form = await callRoute(offerRoute, {
      method: "POST",
      path: "/api/v1/crm/offer-financing",
      headers: {
        Authorization: `Bearer ${merchantA.key}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: "a=1",
    });
    await expectError(form, 400, "bad_request");
    const big = JSON.stringify(
      body({
        job: { crm_job_id: "J", description: "x".repeat(70 * 1024), estimate_cents: 100000 },
      }),
    );
    const tooBig = await expectError(await offer(merchantA.key, big), 400, "bad_request");
    expect(tooBig.message).toMatch(/64 KiB/);
    await expectError(
      await offer(merchantA.key, body(), { "Idempotency-Key": "x".repeat(256) }),
      400,
      "bad_request",
    );
  });

  it("401 unauthorized: missing, unknown, revoked or expired keys", async () => {
    const noKey = await callRoute(offerRoute, {
      method: "POST",
      path: "/api/v1/crm/offer-financing",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body()),
    });
    await expectError(noKey, 401, "unauthorized");
    await expectError(await offer("fp_test_" + "a".repeat(32), body()), 401, "unauthorized");
    await expectError(await offer("not-a-key", body()), 401, "unauthorized");

    const extra = await createMerchant();
    const database = await appDatabase();
    await revokeApiKey(database, extra.keyId, { actorType: "system" });
    await expectError(await offer(extra.key, body()), 401, "unauthorized");

    const expiring = await createMerchant();
    await database.write((tx) =>
      tx
        .update(apiKeys)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(apiKeys.id, expiring.keyId)),
    );
    await expectError(await offer(expiring.key, body()), 401, "unauthorized");
    expect(await count("applications", `merchant_id IN ('${extra.id}', '${expiring.id}')`)).toBe(0);
  });

  it("403 forbidden: a suspended merchant's key", async () => {
    const suspended = await createMerchant({ status: "suspended" });
    await expectError(await offer(suspended.key, body()), 403, "forbidden");
  });

  it("404 not_found: another merchant's application, without leaking anything about it", async () => {
    const created = (await (
      await offer(
        merchantB.key,
        body({
          crm_customer_id: "FR-B-SECRET",
          job: { crm_job_id: "J-B-SECRET", estimate_cents: 100000 },
        }),
      )
    ).json()) as Json;
    const id = created.application_id as string;
    for (const response of [
      await getApp(merchantA.key, id),
      await callRoute(resendRoute, {
        method: "POST",
        path: `/api/v1/crm/applications/${id}/resend`,
        params: { applicationId: id },
        headers: jsonHeaders(merchantA.key),
      }),
      await callRoute(cancelRoute, {
        method: "POST",
        path: `/api/v1/crm/applications/${id}/cancel`,
        params: { applicationId: id },
        headers: jsonHeaders(merchantA.key),
      }),
    ]) {
      const text = await response.clone().text();
      await expectError(response, 404, "not_found");
      expect(text).not.toMatch(/FR-B-SECRET|J-B-SECRET|Bugs Begone|John/);
    }
    // B's application is untouched by A's attempts.
    expect(((await (await getApp(merchantB.key, id)).json()) as Json).status).toBe("link_sent");
    await expectError(
      await getApp(merchantA.key, "app_00000000000000000000000000"),
      404,
      "not_found",
    );
    await expectError(await getApp(merchantA.key, "garbage"), 404, "not_found");
  });

  it("409 invalid_state: cancel after funding (refund instead, ADR 055), resend after cancel", async () => {
    const created = (await (
      await offer(
        merchantA.key,
        body({
          crm_customer_id: "FR-STATE",
          job: { crm_job_id: "J-STATE", estimate_cents: 100000 },
        }),
      )
    ).json()) as Json;
    const id = created.application_id as string;
    const database = await appDatabase();
    await database.write((tx) =>
      tx.update(applications).set({ status: "funded" }).where(eq(applications.id, id)),
    );
    const cancel = () =>
      callRoute(cancelRoute, {
        method: "POST",
        path: `/api/v1/crm/applications/${id}/cancel`,
        params: { applicationId: id },
        headers: jsonHeaders(merchantA.key),
      });
    await expectError(await cancel(), 409, "invalid_state");
    await database.write((tx) =>
      tx.update(applications).set({ status: "link_sent" }).where(eq(applications.id, id)),
    );
    expect((await cancel()).status).toBe(200);
    const resend = await callRoute(resendRoute, {
      method: "POST",
      path: `/api/v1/crm/applications/${id}/resend`,
      params: { applicationId: id },
      headers: jsonHeaders(merchantA.key),
    });
    await expectError(resend, 409, "invalid_state");
  });

  it("422 validation_failed lists every failing field", async () => {
    const bad = body({
      crm: "salesforce",
      customer: { first_name: "", last_name: "Doe", phone: "555-0123", email: "nope", extra: 1 },
      job: { crm_job_id: "J-BAD", estimate_cents: 12.5 },
    });
    const error = await expectError(await offer(merchantA.key, bad), 422, "validation_failed");
    const paths = (error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "crm",
        "customer.first_name",
        "customer.phone",
        "customer.email",
        "customer",
        "job.estimate_cents",
      ]),
    );
    expect(error.details.find((d: Json) => d.path === "customer.phone").message).toBe(
      "Invalid phone number",
    );
  });

  it("422 when the amount is outside the merchant's allowed range", async () => {
    const low = await expectError(
      await offer(merchantA.key, body({ job: { crm_job_id: "J-LOW", estimate_cents: 49_999 } })),
      422,
      "validation_failed",
    );
    expect(low.details[0]).toMatchObject({ path: "job.estimate_cents" });
    expect(low.message).toContain("$500.00");
    await expectError(
      await offer(
        merchantA.key,
        body({ job: { crm_job_id: "J-HIGH", estimate_cents: 2_500_001 } }),
      ),
      422,
      "validation_failed",
    );
    expect(
      (
        await offer(
          merchantA.key,
          body({
            crm_customer_id: "FR-EDGE",
            job: { crm_job_id: "J-EDGE", estimate_cents: 2_500_000 },
          }),
        )
      ).status,
    ).toBe(201);
  });

  it("1,000 generated malformed bodies: each answered 4xx in the error shape, nothing written", async () => {
    const before = {
      applications: await count("applications"),
      customers: await count("customers"),
      jobs: await count("service_jobs"),
      outbox: await count("outbox"),
    };
    const valid = body({
      crm_customer_id: "FR-FUZZ",
      job: { crm_job_id: "J-FUZZ", estimate_cents: 100000 },
    });
    const mutation = fc.oneof(
      fc.anything().map((v) => JSON.stringify(v) ?? "null"),
      fc.string().map((s) => `{"crm":${s}`),
      fc
        .record({
          path: fc.constantFrom(
            "crm",
            "crm_customer_id",
            "customer",
            "customer.phone",
            "customer.first_name",
            "job",
            "job.estimate_cents",
            "job.crm_job_id",
            "send_sms",
            "customer.address.state",
          ),
          value: fc.oneof(
            fc.string(),
            fc.integer(),
            fc.double(),
            fc.boolean(),
            fc.constant(null),
            fc.array(fc.integer()),
            fc.object(),
          ),
        })
        .map(({ path, value }) => {
          const copy = JSON.parse(JSON.stringify(valid)) as Json;
          const keys = path.split(".");
          let target = copy;
          for (const k of keys.slice(0, -1)) target = target[k] ??= {};
          target[keys.at(-1)!] = value;
          return JSON.stringify(copy);
        }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (raw) => {
        let parsedOk = false;
        try {
          parsedOk = offerFinancingRequest.safeParse(JSON.parse(raw)).success;
        } catch {
          parsedOk = false;
        }
        fc.pre(!parsedOk); // only malformed bodies
        const response = await offer(merchantA.key, raw);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        const json = (await response.json()) as Json;
        expect(["bad_request", "validation_failed"]).toContain(json.error.code);
      }),
      { numRuns: 1000 },
    );
    expect({
      applications: await count("applications"),
      customers: await count("customers"),
      jobs: await count("service_jobs"),
      outbox: await count("outbox"),
    }).toEqual(before);
  });
});

describe("resend and cancel", () => {
  it("resend issues a new link, revokes the old one and texts again; cancel stops the link", async () => {
    const created = (await (
      await offer(
        merchantA.key,
        body({ crm_customer_id: "FR-RS", job: { crm_job_id: "J-RS", estimate_cents: 100000 } }),
      )
    ).json()) as Json;
    const id = created.application_id as string;
    const oldToken = created.apply_url.split("/").pop();
    const resend = await callRoute(resendRoute, {
      method: "POST",
      path: `/api/v1/crm/applications/${id}/resend`,
      params: { applicationId: id },
      headers: jsonHeaders(merchantA.key),
    });
    expect(resend.status).toBe(202);
    const resent = (await resend.json()) as Json;
    expect(resent.apply_url).not.toBe(created.apply_url);
    const database = await appDatabase();
    // The old link says it was replaced by a newer one (410), not "unknown".
    expect(await resolveLink(database, oldToken)).toEqual({ kind: "closed", reason: "replaced" });
    const newToken = resent.apply_url.split("/").pop();
    expect((await resolveLink(database, newToken)).kind).toBe("ok");
    expect(await count("messages", `application_id = '${id}'`)).toBe(2);

    const cancel = await callRoute(cancelRoute, {
      method: "POST",
      path: `/api/v1/crm/applications/${id}/cancel`,
      params: { applicationId: id },
      headers: jsonHeaders(merchantA.key),
    });
    expect(await cancel.json()).toEqual({ application_id: id, status: "canceled" });
    expect(await resolveLink(database, newToken)).toEqual({ kind: "closed", reason: "canceled" });
    expect(await resolveLink(database, oldToken)).toEqual({ kind: "closed", reason: "canceled" });
    expect(((await (await getApp(merchantA.key, id)).json()) as Json).status).toBe("canceled");
  });

  it("an application whose link expired reads as expired, and resend revives it", async () => {
    const created = (await (
      await offer(
        merchantA.key,
        body({ crm_customer_id: "FR-EXP", job: { crm_job_id: "J-EXP", estimate_cents: 100000 } }),
      )
    ).json()) as Json;
    const id = created.application_id as string;
    const database = await appDatabase();
    await database.client.execute({
      sql: "UPDATE application_links SET expires_at = ? WHERE application_id = ?",
      args: [Date.now() - 1, id],
    });
    expect(((await (await getApp(merchantA.key, id)).json()) as Json).status).toBe("expired");
    const resend = await callRoute(resendRoute, {
      method: "POST",
      path: `/api/v1/crm/applications/${id}/resend`,
      params: { applicationId: id },
      headers: jsonHeaders(merchantA.key),
    });
    expect(((await resend.json()) as Json).status).toBe("link_sent");
    expect(((await (await getApp(merchantA.key, id)).json()) as Json).status).toBe("link_sent");
  });
});

describe("API keys", () => {
  it("rotation keeps the old key valid through the overlap window, then only the new one works", async () => {
    const m = await createMerchant();
    const database = await appDatabase();
    const rotated = await rotateApiKey(database, m.keyId, {
      overlapHours: 24,
      actor: { actorType: "system" },
    });
    expect(rotated.key).toMatch(/^fp_test_/);
    // A job of its own per call: a second offer for one job would return its open application.
    const payload = (n: number) =>
      body({
        crm_customer_id: "FR-ROT",
        job: { crm_job_id: `J-ROT-${n}`, estimate_cents: 100000 },
      });
    expect((await offer(m.key, payload(1))).status).toBe(201);
    expect((await offer(rotated.key, payload(2))).status).toBe(201);
    // The overlap window ends: move the clock past the old key's expiry.
    vi.useFakeTimers({ toFake: ["Date"], now: rotated.oldKeyExpiresAt.getTime() + 1 });
    try {
      await expectError(await offer(m.key, payload(3)), 401, "unauthorized");
      expect((await offer(rotated.key, payload(4))).status).toBe(201);
    } finally {
      vi.useRealTimers();
    }
    const row = await database.db.query.apiKeys.findFirst({ where: eq(apiKeys.id, rotated.id) });
    expect(row?.lastUsedAt).toBeInstanceOf(Date);
    expect(row?.keyHash).not.toContain(rotated.key);
  });

  it("a key revoked by another process (the CLI) stops working within a few seconds", async () => {
    const m = await createMerchant();
    const database = await appDatabase();
    const payload = body({
      crm_customer_id: "FR-CLI",
      job: { crm_job_id: "J-CLI", estimate_cents: 100000 },
    });
    expect((await offer(m.key, payload)).status).toBe(201);
    // Another process writes the revocation: this process's copy of the key lives on briefly.
    await database.write((tx) =>
      tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, m.keyId)),
    );
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + keyCacheMs + 1 });
    try {
      await expectError(await offer(m.key, payload), 401, "unauthorized");
    } finally {
      vi.useRealTimers();
    }
  });
});
