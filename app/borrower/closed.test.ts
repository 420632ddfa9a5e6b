import { appDatabase, callRoute, createMerchant, jsonHeaders } from "~/scripts/testing/app-harness";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { applications } from "~/db/schema/index";
import * as offerRoute from "~/app/routes/api.v1.crm.offer-financing";
import * as resendRoute from "~/app/routes/api.v1.crm.applications.$applicationId.resend";
import * as cancelRoute from "~/app/routes/api.v1.crm.applications.$applicationId.cancel";
import * as welcomeRoute from "~/app/routes/apply.$token._index";
import * as closedRoute from "~/app/routes/apply.$token.closed";
import { closedMessage, closedReasons, type ClosedReason } from "./closed";

/**
 * A link that no longer works says what really happened — canceled by the business, replaced by
 * a newer offer for the job (superseded), replaced by a newer link (resend), expired — instead
 * of "it may have been replaced", and without any application data.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let merchant: Awaited<ReturnType<typeof createMerchant>>;
beforeAll(async () => {
  merchant = await createMerchant({ name: "Acme Pest Control" });
});

let n = 0;
async function offer(job = `J-CLOSED-${++n}`, amount = 300000) {
  const response = await callRoute(offerRoute, {
    method: "POST",
    path: "/api/v1/crm/offer-financing",
    headers: jsonHeaders(merchant.key),
    body: JSON.stringify({
      crm: "fieldroutes",
      crm_customer_id: `FR-${job}`,
      customer: { first_name: "Jane", last_name: "Roe", phone: "+15125554242" },
      job: { crm_job_id: job, estimate_cents: amount },
    }),
  });
  const json = (await response.json()) as Json;
  return { id: json.application_id as string, token: json.apply_url.split("/").pop() as string };
}

const crmAction = (route: typeof resendRoute | typeof cancelRoute, verb: string, id: string) =>
  callRoute(route, {
    method: "POST",
    path: `/api/v1/crm/applications/${id}/${verb}`,
    params: { applicationId: id },
    headers: jsonHeaders(merchant.key),
  });

/** What the borrower's browser gets for the link: the 410 and the reason its page shows. */
async function open(token: string) {
  try {
    await welcomeRoute.loader({
      request: new Request(`https://flowpay.test/apply/${token}`),
      params: { token },
      context: {},
    });
  } catch (thrown) {
    if (thrown instanceof Response) {
      const body = thrown.headers.get("content-type")?.includes("json")
        ? ((await thrown.json()) as Json)
        : {};
      return { status: thrown.status, reason: body.reason as ClosedReason | undefined };
    }
    throw thrown;
  }
  return { status: 200, reason: undefined };
}

describe("a link that no longer works says why", () => {
  it("canceled by the business", async () => {
    const app = await offer();
    expect((await crmAction(cancelRoute, "cancel", app.id)).status).toBe(200);
    expect(await open(app.token)).toEqual({ status: 410, reason: "canceled" });
  });

  it("replaced by a newer offer for the same job (superseded)", async () => {
    const first = await offer("J-CLOSED-SUP", 300000);
    await offer("J-CLOSED-SUP", 320000);
    expect(await open(first.token)).toEqual({ status: 410, reason: "superseded" });
  });

  it("replaced by a newer link for the same application (resend)", async () => {
    const app = await offer();
    expect((await crmAction(resendRoute, "resend", app.id)).status).toBe(202);
    expect(await open(app.token)).toEqual({ status: 410, reason: "replaced" });
  });

  it("expired", async () => {
    const app = await offer();
    const database = await appDatabase();
    await database.client.execute({
      sql: "UPDATE application_links SET expires_at = ? WHERE application_id = ?",
      args: [Date.now() - 1000, app.id],
    });
    expect(await open(app.token)).toEqual({ status: 410, reason: "expired" });
  });

  it("an unknown token is still a plain 404", async () => {
    expect(await open("x".repeat(43))).toEqual({ status: 404, reason: undefined });
  });

  it("the closed page of an application still openable says the same words", async () => {
    const app = await offer();
    const database = await appDatabase();
    await database.write((tx) =>
      tx.update(applications).set({ status: "expired" }).where(eq(applications.id, app.id)),
    );
    const data = await closedRoute.loader({
      request: new Request(`https://flowpay.test/apply/${app.token}/closed`),
      params: { token: app.token },
      context: {},
    });
    expect(data.message).toEqual(closedMessage("expired"));
  });
});

describe("the words for each reason", () => {
  const expected: Record<ClosedReason, { title: RegExp; says: RegExp }> = {
    canceled: { title: /canceled/i, says: /business that sent you this link canceled/ },
    superseded: { title: /replaced by a newer one/, says: /updated this financing offer/ },
    replaced: { title: /replaced by a newer one/, says: /newer link was sent for this same/ },
    expired: { title: /expired/, says: /work for 24 hours/ },
    lender_declined: { title: /No lender could fund/, says: /you owe nothing on it/ },
    canceled_by_borrower: { title: /You canceled/, says: /before any money was paid out/ },
  };
  it.each(closedReasons.map((reason) => [reason]))("%s", (reason) => {
    const message = closedMessage(reason);
    expect(message.title).toMatch(expected[reason].title);
    expect(message.paragraphs.join(" ")).toMatch(expected[reason].says);
    // Never the old guess, and never an amount or a name.
    expect(message.paragraphs.join(" ")).not.toMatch(/may have been replaced|\$\d/);
  });
});
