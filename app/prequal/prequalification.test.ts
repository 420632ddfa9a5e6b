import { appDatabase, callRoute, createMerchant, jsonHeaders } from "~/scripts/testing/app-harness";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  applications,
  consents,
  decisions,
  merchantEvents,
  messages,
  prequalifications,
} from "~/db/schema/index";
import { createWebhookEndpoint } from "~/app/webhooks/endpoints.server";
import type { CreditBureau } from "~/adapters/experian/types";
import * as createRoute from "~/app/routes/api.v1.crm.prequalifications";
import * as statusRoute from "~/app/routes/api.v1.crm.prequalifications.$prequalificationId";
import * as offerRoute from "~/app/routes/api.v1.crm.offer-financing";
import * as formRoute from "~/app/routes/prequal.$token._index";
import * as resultRoute from "~/app/routes/prequal.$token.result";
import { decide } from "~/app/decisioning/decide.server";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let merchant: Awaited<ReturnType<typeof createMerchant>>;
let other: Awaited<ReturnType<typeof createMerchant>>;
beforeAll(async () => {
  await ensureDecisioningDefaults(await appDatabase());
  merchant = await createMerchant({ name: "Acme Pest Control" });
  other = await createMerchant({ name: "Bugs Begone" });
});

let n = 0;
const customer = (crmId: string) => ({
  crm: "fieldroutes",
  crm_customer_id: crmId,
  customer: {
    first_name: "John",
    last_name: "Doe",
    email: "john@example.com",
    phone: "+15125550123",
    address: { line1: "1 Main St", city: "Austin", state: "TX", postal_code: "78701" },
  },
  send_sms: false,
});

const post = (
  key: string,
  route: typeof createRoute | typeof offerRoute,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  callRoute(route, {
    method: "POST",
    path,
    headers: jsonHeaders(key, headers),
    body: JSON.stringify(body),
  });

const status = async (key: string, id: string) => {
  const response = await callRoute(statusRoute, {
    path: `/api/v1/crm/prequalifications/${id}`,
    params: { prequalificationId: id },
    headers: jsonHeaders(key),
  });
  return {
    status: response.status,
    json: response.status === 200 ? ((await response.json()) as Json) : null,
  };
};

/** Calls a borrower route like Remix: a thrown Response (redirect, 404) is returned. */
async function borrower(
  route: { loader?: unknown; action?: unknown },
  path: string,
  token: string,
  form?: Record<string, string>,
) {
  try {
    return await callRoute(route as never, {
      method: form ? "POST" : "GET",
      path,
      params: { token },
      headers: form ? { "Content-Type": "application/x-www-form-urlencoded" } : {},
      body: form ? new URLSearchParams({ website: "", ...form }).toString() : undefined,
    });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

async function prequalifyBorrower(ssn: string) {
  n += 1;
  const crmId = `PQ-${n}`;
  const created = await post(
    merchant.key,
    createRoute,
    "/api/v1/crm/prequalifications",
    customer(crmId),
  );
  expect(created.status).toBe(201);
  const body = (await created.json()) as Json;
  const token = new URL(body.apply_url).pathname.split("/")[2]!;
  const page = (await borrower(formRoute, `/prequal/${token}`, token)) as unknown as Json;
  expect(page.name).toBe("John Doe");
  const answer = (await borrower(formRoute, `/prequal/${token}`, token, {
    dateOfBirth: "1985-04-12",
    ssn,
    monthlyIncome: "6,000",
    housingCost: "1500",
    creditPull: "on",
    esign: "on",
    privacy: "on",
  })) as Response;
  expect(answer.status).toBe(302);
  expect(answer.headers.get("location")).toBe(`/prequal/${token}/result`);
  return { id: body.prequalification_id as string, token, crmId, body };
}

describe("POST /api/v1/crm/prequalifications and its status", () => {
  it("answers 201 exactly as the contract, link_sent, then in_progress once the borrower opens the link", async () => {
    const created = await post(
      merchant.key,
      createRoute,
      "/api/v1/crm/prequalifications",
      customer("PQ-open"),
      {
        "Idempotency-Key": "pq-open-1",
      },
    );
    expect(created.status).toBe(201);
    const body = (await created.json()) as Json;
    expect(Object.keys(body).sort()).toEqual([
      "apply_url",
      "expires_at",
      "prequalification_id",
      "status",
    ]);
    expect(body.prequalification_id).toMatch(/^pq_[0-9a-z]{26}$/);
    expect(body.status).toBe("link_sent");
    expect(body.apply_url).toMatch(/\/prequal\/[\w-]{20,}$/);
    // The same key and body again: the same answer, nothing new.
    const again = await post(
      merchant.key,
      createRoute,
      "/api/v1/crm/prequalifications",
      customer("PQ-open"),
      {
        "Idempotency-Key": "pq-open-1",
      },
    );
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as Json).prequalification_id).toBe(body.prequalification_id);

    expect((await status(merchant.key, body.prequalification_id)).json).toEqual({
      prequalification_id: body.prequalification_id,
      status: "link_sent",
      max_amount_cents: null,
      valid_until: null,
    });
    const token = new URL(body.apply_url).pathname.split("/")[2]!;
    await borrower(formRoute, `/prequal/${token}`, token);
    expect((await status(merchant.key, body.prequalification_id)).json!.status).toBe("in_progress");
    // Another merchant cannot see it.
    expect((await status(other.key, body.prequalification_id)).status).toBe(404);
  });

  it("refuses a bad body in the API's error shape", async () => {
    const response = await post(merchant.key, createRoute, "/api/v1/crm/prequalifications", {
      ...customer("PQ-bad"),
      job: { crm_job_id: "J", estimate_cents: 1 },
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as Json).error.code).toBe("validation_failed");
  });
});

describe("the borrower's prequalification", () => {
  it("prequalified: the result at once (up to $X, sample payments, 30 days, not a commitment); the merchant sees the amount and date, no reasons", async () => {
    const pq = await prequalifyBorrower("123-45-7800");
    const result = (await borrower(
      resultRoute,
      `/prequal/${pq.token}/result`,
      pq.token,
    )) as unknown as Json;
    expect(result.result.kind).toBe("prequalified");
    expect(result.result.samples.length).toBeGreaterThan(0);
    const seen = (await status(merchant.key, pq.id)).json!;
    expect(seen.status).toBe("prequalified");
    expect(seen.max_amount_cents).toBe(result.result.maxAmountCents);
    expect(Date.parse(seen.valid_until) - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
    // A second submit changes nothing: the form sends the borrower to the result.
    const again = await borrower(formRoute, `/prequal/${pq.token}`, pq.token);
    expect((again as Response).status).toBe(302);
  });

  it("emits prequalification.completed to the merchant's webhook endpoints, with the status resource and no reasons", async () => {
    const database = await appDatabase();
    const created = await createWebhookEndpoint(
      database,
      merchant.id,
      { url: "http://127.0.0.1:9/hook", events: ["prequalification.*"] },
      { actorType: "system" },
      { policy: { allowLoopbackHttp: true } },
    );
    expect(created.ok).toBe(true);
    const declined = await prequalifyBorrower("123-45-0000");
    const events = await database.db
      .select()
      .from(merchantEvents)
      .where(eq(merchantEvents.type, "prequalification.completed"));
    const data = events
      .map((row) => JSON.parse(row.data ?? "null") as Json | null)
      .find((body) => body?.prequalification?.prequalification_id === declined.id);
    expect(data).toEqual({
      prequalification: {
        prequalification_id: declined.id,
        status: "not_prequalified",
        max_amount_cents: null,
        valid_until: null,
      },
    });
  });

  it("not prequalified: the adverse action notice with its reasons, also e-mailed; the merchant sees only the status", async () => {
    const database = await appDatabase();
    const notices = async () =>
      (
        await database.db
          .select()
          .from(messages)
          .where(and(eq(messages.template, "adverse_action_notice"), eq(messages.channel, "email")))
      ).filter((row) => row.recipient === "john@example.com").length;
    const before = await notices();
    const pq = await prequalifyBorrower("123-45-0000");
    expect(await notices()).toBe(before + 1);
    const result = (await borrower(
      resultRoute,
      `/prequal/${pq.token}/result`,
      pq.token,
    )) as unknown as Json;
    expect(result.result.kind).toBe("not_prequalified");
    const text = JSON.stringify(result.result.notice);
    expect(text).toContain("Bankruptcy");
    expect(text).toContain("Equal Credit Opportunity Act");
    expect(text).toMatch(/Your credit score: \d+/);
    const seen = (await status(merchant.key, pq.id)).json!;
    expect(seen).toEqual({
      prequalification_id: pq.id,
      status: "not_prequalified",
      max_amount_cents: null,
      valid_until: null,
    });
  });
});

describe("offer-financing with prequalification_id", () => {
  const job = (id: string) => ({ crm_job_id: id, description: "Kitchen", estimate_cents: 750000 });

  it("carries the answers and consents over, starts past details and consents, and the decision reuses the soft pull and says so", async () => {
    const pq = await prequalifyBorrower("123-45-7800");
    const response = await post(merchant.key, offerRoute, "/api/v1/crm/offer-financing", {
      ...customer(pq.crmId),
      job: job(`JOB-${pq.crmId}`),
      prequalification_id: pq.id,
    });
    expect(response.status).toBe(201);
    const applicationId = ((await response.json()) as Json).application_id as string;
    const database = await appDatabase();
    const application = (await database.db.query.applications.findFirst({
      where: eq(applications.id, applicationId),
    }))!;
    expect(application).toMatchObject({
      prequalificationId: pq.id,
      monthlyIncomeCents: 600_000,
      housingCostCents: 150_000,
      step: "consents",
    });
    const kinds = (
      await database.db.select().from(consents).where(eq(consents.applicationId, applicationId))
    ).map((row) => row.kind);
    expect(kinds.sort()).toEqual(["credit_pull", "esign", "privacy"]);
    const prequal = await database.db.query.prequalifications.findFirst({
      where: eq(prequalifications.id, pq.id),
    });
    expect(prequal!.convertedApplicationId).toBe(applicationId);

    // Decide it with a bureau that must not be called: the prequalification's pull is reused.
    await database.write((tx) =>
      tx
        .update(applications)
        .set({ status: "submitted", kycStatus: "approved" })
        .where(eq(applications.id, applicationId)),
    );
    const noBureau: CreditBureau = {
      pullSoft: () => {
        throw new Error("the bureau was called again");
      },
    } as unknown as CreditBureau;
    await decide(database, applicationId, { bureau: noBureau });
    const decision = (await database.db.query.decisions.findFirst({
      where: eq(decisions.applicationId, applicationId),
    }))!;
    expect(decision.snapshot).toMatchObject({
      creditPull: { source: "prequalification", prequalificationId: pq.id },
      inputs: { credit: { status: "ok" } },
    });
  });

  it("a prequalification that is not prequalified, of another customer or merchant, is refused (422) and nothing is created", async () => {
    const declined = await prequalifyBorrower("123-45-0000");
    const refuse = async (key: string, crmId: string, id: string, jobId: string) => {
      const response = await post(key, offerRoute, "/api/v1/crm/offer-financing", {
        ...customer(crmId),
        job: job(jobId),
        prequalification_id: id,
      });
      expect(response.status).toBe(422);
      expect(((await response.json()) as Json).error.details[0].path).toBe("prequalification_id");
    };
    await refuse(merchant.key, declined.crmId, declined.id, "JOB-declined");
    const good = await prequalifyBorrower("123-45-7800");
    await refuse(merchant.key, "SOMEONE-ELSE", good.id, "JOB-someone");
    await refuse(other.key, good.crmId, good.id, "JOB-other");
  });
});
