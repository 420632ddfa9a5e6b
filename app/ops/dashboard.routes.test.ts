import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator } from "~/scripts/testing/ops-harness";
import { beforeAll, describe, expect, it } from "vitest";
import * as listRoute from "~/app/routes/ops.applications._index";
import * as dashboardRoute from "~/app/routes/ops._index";
import { insertApplication, insertMerchant } from "./applications-fixtures";
import { dayMs } from "./dashboard";
import type { Dashboard } from "./dashboard.server";

/**
 * The dashboard's range and drill-downs through the real loaders (ADR 079): a range chosen in
 * the query string, a refused one that says why, and every funnel step's link opening the list
 * of exactly the applications it counted.
 */
type DashboardData = { dashboard: Dashboard; rangeError: string | null };
type ListData = { rows: { id: string }[]; errors: string[]; nextSearch: string | null };

describe("FlowOps dashboard route", () => {
  let cookie: string;
  const created: Record<string, string[]> = { recent: [], old: [] };

  beforeAll(async () => {
    await appDatabase();
    cookie = (await signedInOperator("admin")).cookie;
    const database = await appDatabase();
    const merchantId = await insertMerchant(database, "Drill Down Lawn Care");
    const now = Date.now();
    // Two days ago: one at each step; forty days ago: one submitted (outside a 7-day range).
    const statuses = [
      "link_sent",
      "in_progress",
      "submitted",
      "declined",
      "offer_accepted",
      "funded",
    ] as const;
    for (const status of statuses) {
      const at = now - 2 * dayMs;
      const app = await insertApplication(database, {
        merchantId,
        status,
        createdAt: new Date(at),
        submittedAt: ["link_sent", "in_progress"].includes(status) ? null : new Date(at + 60_000),
        decidedAt: ["declined", "offer_accepted", "funded"].includes(status)
          ? new Date(at + 120_000)
          : null,
      });
      created.recent!.push(app.id);
    }
    const old = await insertApplication(database, {
      merchantId,
      status: "submitted",
      createdAt: new Date(now - 40 * dayMs),
      submittedAt: new Date(now - 40 * dayMs),
    });
    created.old!.push(old.id);
  });

  it("takes a range from the query string and refuses a bad one, saying why", async () => {
    const week = (await callOps(dashboardRoute, { path: "/ops?range=7", cookie })) as DashboardData;
    expect(week.dashboard.range).toMatchObject({ preset: "7", days: 7 });
    expect(week.rangeError).toBeNull();
    const bad = (await callOps(dashboardRoute, {
      path: "/ops?range=custom&from=2026-12-05&to=2026-11-01",
      cookie,
    })) as DashboardData;
    expect(bad.rangeError).toBe("The range’s start date is after its end date.");
    expect(bad.dashboard.range.days).toBe(30);
  });

  it("every funnel step links to the list of exactly the applications it counts", async () => {
    const { dashboard } = (await callOps(dashboardRoute, {
      path: "/ops?range=7",
      cookie,
    })) as DashboardData;
    const expected: Record<string, number> = {
      sent: 6,
      opened: 5,
      submitted: 4,
      decided: 3,
      signed: 2,
      funded: 1,
    };
    for (const row of dashboard.funnel) {
      // The whole database's funnel may hold other tests' rows: the list must agree with it.
      expect(row.count, row.step).toBeGreaterThanOrEqual(expected[row.step]!);
      const list = (await callOps(listRoute, {
        path: `${row.href}`,
        cookie,
      })) as ListData;
      expect(list.errors).toEqual([]);
      const ids = list.rows.map((r) => r.id);
      const ours = created.recent!.filter((id) => ids.includes(id));
      expect(ours, row.step).toHaveLength(expected[row.step]!);
      expect(ids).not.toContain(created.old![0]);
      if (list.nextSearch === null) expect(ids.length, row.step).toBe(row.count);
    }
  });

  it("funding aging links to the signed, unfunded applications of that age", async () => {
    const { dashboard } = (await callOps(dashboardRoute, {
      path: "/ops",
      cookie,
    })) as DashboardData;
    const any = (await callOps(listRoute, {
      path: "/ops/applications?aging=any",
      cookie,
    })) as ListData;
    const waiting = created.recent![4]!; // offer_accepted
    expect(any.rows.map((r) => r.id)).toContain(waiting);
    expect(any.rows.map((r) => r.id)).not.toContain(created.recent![5]); // funded
    const total = dashboard.fundingAging.reduce((sum, b) => sum + b.count, 0);
    if (any.nextSearch === null) expect(any.rows).toHaveLength(total);
  });
});
