import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { callOps, statusOf } from "~/scripts/testing/ops-harness";
import { signedInMerchantUser } from "~/scripts/testing/portal-harness";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries } from "~/db/schema/index";
import * as webhooksRoute from "~/app/routes/merchant.webhooks";
import { startWebhookReceiver } from "~/scripts/testing/webhook-receiver";
import { deliverWebhook } from "./deliver.server";

/** The portal's webhook screen (docs/product/merchants-and-money.md, "The merchant portal"). */
process.env.WEBHOOKS_ALLOW_LOOPBACK_HTTP = "1";
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const post = (cookie: string, form: Record<string, string>) =>
  callOps(webhooksRoute, { path: "/merchant/webhooks", cookie, form });

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

describe("/merchant/webhooks", () => {
  it("an owner adds an endpoint (secret once), sees deliveries and resends one; another merchant's ids are 404; staff may not", async () => {
    const a = await createMerchant();
    const b = await createMerchant();
    const ownerA = await signedInMerchantUser(a.id, "owner");
    const ownerB = await signedInMerchantUser(b.id, "owner");
    const staffA = await signedInMerchantUser(a.id, "staff");

    const created = (await post(ownerA, {
      intent: "create",
      url: receiver.url,
      events: "*",
    })) as Json;
    expect(created.secret).toMatch(/^whsec_/);
    receiver.setSecret(created.secret);
    const refused = (await post(ownerA, {
      intent: "create",
      url: "http://10.0.0.5/hooks",
      events: "*",
    })) as Json;
    expect(refused.error).toMatch(/private address/);

    // An event for merchant A, delivered.
    const database = await appDatabase();
    await database.write((tx) =>
      tx.run(
        sql`INSERT INTO merchant_events (id, merchant_id, type, application_id, data, created_at) VALUES ('evt_portaltest', ${a.id}, 'loan.funded', NULL, '{"application":null}', ${Date.now()})`,
      ),
    );
    const delivery = await database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.eventId, "evt_portaltest"))
      .get();
    await deliverWebhook(database, delivery!.id);
    expect(receiver.unique.has("evt_portaltest")).toBe(true);

    const page = (await callOps(webhooksRoute, {
      path: "/merchant/webhooks",
      cookie: ownerA,
    })) as Json;
    expect(page.endpoints).toHaveLength(1);
    expect(JSON.stringify(page)).not.toContain(created.secret);
    expect(page.deliveries[0]).toMatchObject({ type: "loan.funded", state: "delivered" });
    const endpointId = page.endpoints[0].id;

    // Merchant B's owner, with A's ids: 404, nothing changed.
    for (const form of [
      { intent: "resend", id: delivery!.id },
      { intent: "delete", id: endpointId },
      { intent: "enable", id: endpointId },
    ]) {
      expect(statusOf(await post(ownerB, form))).toBe(404);
    }
    const bPage = (await callOps(webhooksRoute, {
      path: "/merchant/webhooks",
      cookie: ownerB,
    })) as Json;
    expect(bPage.endpoints).toEqual([]);
    expect(bPage.deliveries).toEqual([]);
    expect(
      statusOf(await callOps(webhooksRoute, { path: "/merchant/webhooks", cookie: staffA })),
    ).toBe(403);

    const resent = (await post(ownerA, { intent: "resend", id: delivery!.id })) as Json;
    expect(resent.notice).toMatch(/same event id/);
    await deliverWebhook(database, delivery!.id);
    expect(receiver.all.filter((r) => r.id === "evt_portaltest")).toHaveLength(2);

    const deleted = (await post(ownerA, { intent: "delete", id: endpointId })) as Json;
    expect(deleted.notice).toMatch(/deleted/);
  });
});
