const { appDatabase, callRoute, createMerchant } = await import("~/scripts/testing/app-harness");
const healthRoute = await import("~/app/routes/health");
const { loadJobsMonitor } = await import("~/app/ops/jobs.server");
const { listReconciliationItems } = await import("~/app/lending/reconciliation.server");
const { authenticateApiKey } = await import("~/app/crm/api-keys.server");

import { describe, expect, it } from "vitest";
import { settledFlag } from "~/db/testing";

/**
 * Issue 19, "no request holds the event loop on a database query" (ADR 083), as the app runs:
 * with every reader thread stalled (as by a very slow query at a million rows), the heavy
 * pages' reads wait in the readers while the serving thread goes on answering /health and
 * authenticating API keys; once the readers are free again the pages load. No timing is
 * asserted: only what has answered, and what has not.
 */

describe("heavy pages read in the reader threads", () => {
  it("while the readers are stalled, /health and API-key checks answer and the pages wait", async () => {
    const database = await appDatabase();
    const merchant = await createMerchant();
    const release = await database.blockReadersForTest();
    let released = false;
    try {
      const monitor = loadJobsMonitor(database);
      const reconciliation = listReconciliationItems(database, "open");
      const pages = [settledFlag(monitor), settledFlag(reconciliation)];

      const health = await callRoute(healthRoute, { path: "/health" });
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      // A point read stays on the serving thread: it does not wait behind the stalled readers.
      const caller = await authenticateApiKey(database, merchant.key);
      expect(caller).toMatchObject({ keyId: merchant.keyId });
      for (let i = 0; i < 5; i++) {
        expect((await callRoute(healthRoute, { path: "/health" })).status).toBe(200);
      }
      expect(pages.map((p) => p.settled)).toEqual([false, false]);

      release();
      released = true;
      const [loaded, queue] = await Promise.all([monitor, reconciliation]);
      expect(loaded.dead).toEqual([]);
      expect(queue.status).toBe("open");
    } finally {
      if (!released) release();
    }
  });
});
