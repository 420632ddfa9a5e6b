import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "~/jobs/testing/helpers";
import { spawnServer, type RunningServer } from "~/scripts/testing/spawn-server";
import { startWebhookReceiver } from "~/scripts/testing/webhook-receiver";

/**
 * kill -9 of the built server (FLOWPAY_BUILD_DIR for a build of one's own) while it delivers a
 * webhook, then a restart on the same data directory with the production lease (JOB_LEASE_MS,
 * 5 minutes): the restarted server reclaims its dead predecessor's delivery in its first round
 * (ADR 071) and sends it again — the same event id and body — long before the lease would end.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
});

const env = { WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true", JOB_LEASE_MS: "300000" };

describe("webhook delivery across a kill -9 of the server", () => {
  it("the restarted server re-sends the delivery in flight at once, not after the lease", async () => {
    // Every answer held 1 s: the first delivery is in flight when the server dies.
    const receiver = await startWebhookReceiver({ delayMs: 1000 });
    const first = await spawnServer({ env });
    running.push(first);
    const key = readFileSync(join(first.dataDir, "demo-api-key.txt"), "utf8").trim();
    const api = (server: RunningServer, path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });

    const created = await api(first, "/api/v1/crm/webhook-endpoints", {
      url: receiver.url,
      events: ["application.*"],
    });
    expect(created.status).toBe(201);
    receiver.setSecret(((await created.json()) as Json).secret);
    const offer = await api(first, "/api/v1/crm/offer-financing", {
      crm: "fieldroutes",
      crm_customer_id: "71001",
      customer: { first_name: "Jo", last_name: "Doe", phone: "+15125550123" },
      job: { crm_job_id: "72001", description: "Termites", estimate_cents: 750000 },
      send_sms: false,
    });
    expect(offer.status).toBe(201);
    const applicationId = ((await offer.json()) as Json).application_id as string;

    await waitFor(() => receiver.all.length > 0, { timeoutMs: 30_000, what: "a delivery" });
    await first.stop("SIGKILL");
    const inFlight = receiver.all[0]!;

    const database = createClient({ url: `file:${join(first.dataDir, "flowpay.db")}` });
    try {
      // Leased to the dead server for minutes.
      const leased = await database.execute(
        "SELECT locked_until FROM outbox WHERE kind = 'deliver-webhook' AND state = 'running'",
      );
      expect(leased.rows).toHaveLength(1);
      expect(Number(leased.rows[0]!.locked_until)).toBeGreaterThan(Date.now() + 60_000);

      const second = await spawnServer({ env, dataDir: first.dataDir });
      running.push(second);
      // A fifth of the lease at most: only the restart reclaim can deliver it in time.
      // (The receiver had processed it; its answer never reached the dead server.)
      await waitFor(() => receiver.all.filter((r) => r.id === inFlight.id).length >= 2, {
        timeoutMs: 60_000,
        intervalMs: 50,
        what: "the in-flight delivery re-sent by the restarted server",
      });
    } finally {
      database.close();
    }
    const copies = receiver.all.filter((r) => r.id === inFlight.id);
    expect(receiver.unique.get(inFlight.id)).toBeDefined(); // processed once, by id
    expect(new Set(copies.map((c) => c.body)).size).toBe(1);
    expect(copies.every((c) => c.verified && c.applicationId === applicationId)).toBe(true);
    expect(inFlight.type).toBe("application.created");
    await receiver.close();
  }, 120_000);
});
