import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { runProgram } from "~/db/native-writer.mjs";
import { merchants } from "~/db/schema/index";
import { drizzleSqlTx } from "~/db/sql-tx";
import { ApiFailure } from "~/app/api/body.server";
import { requestHash } from "./idempotency.server";
import { offerFinancing } from "./offer-financing.server";
import { offerFinancingRequest } from "./schemas";

/**
 * The intake's write program (ADR 019) where it runs: in the database writer thread (an
 * embedded file) and inside a drizzle transaction (what a remote libSQL server gets). Same
 * rows, same answers, same refusals.
 */
const payload = (suffix: string, overrides: Record<string, unknown> = {}) => ({
  crm: "fieldroutes",
  crm_customer_id: `FR-${suffix}`,
  customer: { first_name: "Ana", last_name: "Ruiz", phone: "+15125550177" },
  job: { crm_job_id: `J-${suffix}`, estimate_cents: 420000 },
  send_sms: true,
  ...overrides,
});

let threaded: Database;
let remoteStyle: Database;
let caller: Parameters<typeof offerFinancing>[1];

beforeAll(async () => {
  threaded = await appDatabase();
  // The same database, with programs run the way openDatabase runs them for a remote server.
  remoteStyle = {
    ...threaded,
    writeProgram: (program) => threaded.write((tx) => runProgram(drizzleSqlTx(tx), program)),
  };
  const created = await createMerchant({ name: "Program Pest" });
  const merchant = await threaded.db.query.merchants.findFirst({
    where: eq(merchants.id, created.id),
  });
  caller = { merchant: merchant!, keyId: created.keyId, ip: "203.0.113.9", userAgent: "test" };
});

async function count(table: string, where: string) {
  const row = await threaded.db.get<{ n: number }>(
    sql.raw(`SELECT count(*) AS n FROM ${table} WHERE ${where}`),
  );
  return row!.n;
}

describe.each([
  ["the writer thread", () => threaded],
  ["a drizzle transaction", () => remoteStyle],
])("offer-financing's program in %s", (where, database) => {
  const tag = where.includes("thread") ? "T" : "D";

  it("writes the customer, job, application, link, text, jobs, audit and Idempotency-Key record", async () => {
    const body = payload(`${tag}1`);
    const result = await offerFinancing(database(), caller, offerFinancingRequest.parse(body), {
      key: `${tag}-idem-1`,
      hash: requestHash(body),
    });
    expect(result.status).toBe(201);
    const id = result.applicationId!;
    expect(JSON.parse(result.body).application_id).toBe(id);
    const app = await threaded.db.get<{ customer_id: string; service_job_id: string }>(
      sql`SELECT customer_id, service_job_id FROM applications WHERE id = ${id}`,
    );
    // The ids the upserts returned reached the application row.
    expect(
      await count("customers", `id = '${app!.customer_id}' AND crm_customer_id = 'FR-${tag}1'`),
    ).toBe(1);
    expect(
      await count("service_jobs", `id = '${app!.service_job_id}' AND crm_job_id = 'J-${tag}1'`),
    ).toBe(1);
    expect(await count("application_links", `application_id = '${id}'`)).toBe(1);
    expect(await count("messages", `application_id = '${id}' AND status = 'queued'`)).toBe(1);
    expect(
      await count("outbox", `kind = 'sync-to-crm' AND key = 'sync-to-crm:${id}:link_sent'`),
    ).toBe(1);
    expect(await count("audit_logs", `entity_id = '${id}' AND action = 'application.create'`)).toBe(
      1,
    );
    expect(await count("idempotency_keys", `key = '${tag}-idem-1'`)).toBe(1);

    // The same key and body: the first answer, nothing new written.
    const replay = await offerFinancing(database(), caller, offerFinancingRequest.parse(body), {
      key: `${tag}-idem-1`,
      hash: requestHash(body),
    });
    expect(replay).toMatchObject({ replayed: true, status: 201, body: result.body });
    expect(await count("applications", `customer_id = '${app!.customer_id}'`)).toBe(1);

    // The same key with another body: 409, nothing written.
    const other = payload(`${tag}1`, { job: { crm_job_id: `J-${tag}1`, estimate_cents: 500000 } });
    const conflict = await offerFinancing(database(), caller, offerFinancingRequest.parse(other), {
      key: `${tag}-idem-1`,
      hash: requestHash(other),
    }).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ApiFailure);
    expect((conflict as ApiFailure).response.status).toBe(409);
  });

  it("one open application per job: the same amount returns it, another supersedes it (ADR 026)", async () => {
    const body = payload(`${tag}3`);
    const first = await offerFinancing(database(), caller, offerFinancingRequest.parse(body), null);
    const same = await offerFinancing(database(), caller, offerFinancingRequest.parse(body), null);
    expect(same).toMatchObject({
      status: 200,
      duplicate: true,
      applicationId: first.applicationId,
    });
    const other = payload(`${tag}3`, { job: { crm_job_id: `J-${tag}3`, estimate_cents: 430000 } });
    const [a, b] = await Promise.all([
      offerFinancing(database(), caller, offerFinancingRequest.parse(other), null),
      offerFinancing(database(), caller, offerFinancingRequest.parse(other), null),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.applicationId).toBe(b.applicationId);
    expect(
      await count("applications", `id = '${first.applicationId}' AND status = 'canceled'`),
    ).toBe(1);
    expect(
      await count(
        "applications",
        `service_job_id = (SELECT id FROM service_jobs WHERE crm_job_id = 'J-${tag}3')`,
      ),
    ).toBe(2);
  });

  it("refuses a CRM job that belongs to another customer and rolls the whole program back", async () => {
    const first = payload(`${tag}2`);
    await offerFinancing(database(), caller, offerFinancingRequest.parse(first), null);
    const stranger = payload(`${tag}2-other`, {
      job: { crm_job_id: `J-${tag}2`, estimate_cents: 420000 },
    });
    const before = await count("applications", "1");
    const refused = await offerFinancing(
      database(),
      caller,
      offerFinancingRequest.parse(stranger),
      null,
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiFailure);
    expect((refused as ApiFailure).response.status).toBe(422);
    // The other customer's upsert ran before the refusal; it rolled back with the rest.
    expect(await count("customers", `crm_customer_id = 'FR-${tag}2-other'`)).toBe(0);
    expect(await count("applications", "1")).toBe(before);
  });
});
