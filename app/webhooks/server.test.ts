import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "~/jobs/testing/helpers";
import { spawnServer, type RunningServer } from "~/scripts/testing/spawn-server";
import { startWebhookReceiver } from "~/scripts/testing/webhook-receiver";

/**
 * The built server, as production runs it (FLOWPAY_BUILD_DIR for a build of one's own): an
 * endpoint registered through the API gets the events of an application opened and canceled
 * through the API — written by the triggers, delivered by the server's own job runner, signed.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
});

describe("outbound webhooks on the built server", () => {
  it("delivers application.created and application.canceled, signed, to a local receiver", async () => {
    const receiver = await startWebhookReceiver();
    const server = await spawnServer({ env: { WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" } });
    running.push(server);
    const key = readFileSync(join(server.dataDir, "demo-api-key.txt"), "utf8").trim();
    const api = (path: string, body?: unknown, method = body ? "POST" : "GET") =>
      fetch(`${server.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const created = await api("/api/v1/crm/webhook-endpoints", {
      url: receiver.url,
      events: ["application.*"],
    });
    expect(created.status).toBe(201);
    receiver.setSecret(((await created.json()) as Json).secret);
    const offer = await api("/api/v1/crm/offer-financing", {
      crm: "fieldroutes",
      crm_customer_id: "73001",
      customer: { first_name: "Jo", last_name: "Doe", phone: "+15125550123" },
      job: { crm_job_id: "74001", description: "Termites", estimate_cents: 750000 },
      send_sms: true,
    });
    expect(offer.status).toBe(201);
    const applicationId = ((await offer.json()) as Json).application_id as string;
    expect((await api(`/api/v1/crm/applications/${applicationId}/cancel`, {})).status).toBe(200);

    await waitFor(() => receiver.unique.size >= 2, { timeoutMs: 30_000, what: "two events" });
    const events = [...receiver.unique.values()];
    expect(events.map((e) => e.type)).toEqual(["application.created", "application.canceled"]);
    expect(events.every((e) => e.verified && e.applicationId === applicationId)).toBe(true);
    const canceled = JSON.parse(events[1]!.body) as Json;
    expect(canceled.data.application.status).toBe("canceled");
    await receiver.close();
  }, 60_000);
});
