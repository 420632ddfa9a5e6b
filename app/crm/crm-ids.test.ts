import { appDatabase, callRoute, createMerchant, jsonHeaders } from "~/scripts/testing/app-harness";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { applications, crmConnections, customers } from "~/db/schema/index";
import { isFieldRoutesId } from "~/adapters/fieldroutes/ids";
import * as offerRoute from "~/app/routes/api.v1.crm.offer-financing";
import * as prequalRoute from "~/app/routes/api.v1.crm.prequalifications";

/**
 * Intake refuses CRM ids the merchant's connected CRM can never resolve (ADR 080): a merchant
 * connected to FieldRoutes sending "FR12345" would otherwise get an application whose every
 * write-back fails.
 */
const body = (customerId: string, jobId: string) => ({
  crm: "fieldroutes",
  crm_customer_id: customerId,
  customer: { first_name: "Ana", last_name: "Ruiz", phone: "+15125550177" },
  job: { crm_job_id: jobId, description: "Termite treatment", estimate_cents: 750_000 },
  send_sms: false,
});

const post = (
  key: string,
  route: typeof offerRoute | typeof prequalRoute,
  path: string,
  payload: unknown,
) =>
  callRoute(route, {
    method: "POST",
    path,
    headers: jsonHeaders(key),
    body: JSON.stringify(payload),
  });

type ErrorBody = {
  error: { code: string; message: string; details: { path: string; message: string }[] };
};

describe("FieldRoutes ids", () => {
  it("are numbers", () => {
    expect(["48213", "90517", "1"].every(isFieldRoutesId)).toBe(true);
    expect(
      ["FR12345", "JOB-9876", "", "12 34", "1.5", "-3", "1".repeat(19)].some(isFieldRoutesId),
    ).toBe(false);
  });
});

describe("intake with a FieldRoutes connection", () => {
  let connected: Awaited<ReturnType<typeof createMerchant>>;
  let unconnected: Awaited<ReturnType<typeof createMerchant>>;

  beforeAll(async () => {
    const database = await appDatabase();
    connected = await createMerchant({ name: "Connected Pest" });
    unconnected = await createMerchant({ name: "Unconnected Pest" });
    await database.write((tx) =>
      tx.insert(crmConnections).values({
        id: newId("crm"),
        merchantId: connected.id,
        crm: "fieldroutes",
        authKind: "api_key",
        status: "connected",
        subdomain: "connectedpest",
      }),
    );
  });

  it("refuses ids FieldRoutes can never resolve with a 422 naming each field, writing nothing", async () => {
    const database = await appDatabase();
    const response = await post(
      connected.key,
      offerRoute,
      "/api/v1/crm/offer-financing",
      body("FR12345", "JOB-9876"),
    );
    expect(response.status).toBe(422);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe("validation_failed");
    expect(error.details.map((d) => d.path)).toEqual(["crm_customer_id", "job.crm_job_id"]);
    expect(error.details[0]!.message).toMatch(
      /FieldRoutes customer ids \(customerID\) are numbers; "FR12345" can never be found/,
    );
    expect(error.message).toMatch(/^crm_customer_id: .*; job\.crm_job_id: /);
    const written = await database.db
      .select()
      .from(customers)
      .where(eq(customers.merchantId, connected.id));
    expect(written).toEqual([]);

    // One field wrong: only that one is named.
    const jobOnly = await post(
      connected.key,
      offerRoute,
      "/api/v1/crm/offer-financing",
      body("48213", "JOB-9876"),
    );
    expect(jobOnly.status).toBe(422);
    expect(((await jobOnly.json()) as ErrorBody).error.details.map((d) => d.path)).toEqual([
      "job.crm_job_id",
    ]);
  });

  it("accepts FieldRoutes' numeric ids", async () => {
    const database = await appDatabase();
    const response = await post(
      connected.key,
      offerRoute,
      "/api/v1/crm/offer-financing",
      body("48213", "90517"),
    );
    expect(response.status).toBe(201);
    const { application_id } = (await response.json()) as { application_id: string };
    const row = await database.db
      .select()
      .from(applications)
      .where(eq(applications.id, application_id))
      .get();
    expect(row?.merchantId).toBe(connected.id);
  });

  it("keeps any id for a merchant without a FieldRoutes connection (nothing is written back)", async () => {
    const response = await post(
      unconnected.key,
      offerRoute,
      "/api/v1/crm/offer-financing",
      body("FR12345", "JOB-9876"),
    );
    expect(response.status).toBe(201);
  });

  it("the prequalification intake checks crm_customer_id the same way", async () => {
    const { job: _job, ...prequal } = body("FR12345", "");
    const refused = await post(
      connected.key,
      prequalRoute,
      "/api/v1/crm/prequalifications",
      prequal,
    );
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as ErrorBody).error.details.map((d) => d.path)).toEqual([
      "crm_customer_id",
    ]);
    const accepted = await post(connected.key, prequalRoute, "/api/v1/crm/prequalifications", {
      ...prequal,
      crm_customer_id: "48214",
    });
    expect(accepted.status).toBe(201);
  });
});
