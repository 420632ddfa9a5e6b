import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator } from "~/scripts/testing/ops-harness";
import { signedInMerchantUser } from "~/scripts/testing/portal-harness";
import { describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { crmConnections, crmSyncLogs } from "~/db/schema/index";
import * as portalCrmRoute from "~/app/routes/merchant.crm";
import * as merchantRoute from "~/app/routes/ops.merchants.$merchantId";
import * as dashboardRoute from "~/app/routes/ops._index";
import { connectionStatusLabel, summarizeHealth, type WriteHealth } from "./write-health";

/**
 * Honest connection state (ADR 080): a CRM whose notes fail on every write says so — on the
 * FlowOps merchant page, in the merchant portal's CRM page and on the dashboard — with the count
 * since the last success, the last error and the last success, per operation.
 */
describe("write-back health, pure", () => {
  const op = (
    operation: string,
    failures: number,
    lastFailureAt: number | null,
    lastSuccessAt: number | null,
  ) => ({
    operation,
    failuresSinceSuccess: failures,
    lastError: lastFailureAt === null ? null : `${operation} failed`,
    lastFailureAt,
    lastSuccessAt,
  });

  it("a failing operation is not hidden by another operation's successes", () => {
    const health = summarizeHealth(
      "fieldroutes",
      [op("appointment/get", 0, 100, 900), op("note/create", 4, 800, null)],
      4,
    );
    expect(health).toMatchObject({
      failing: true,
      failuresSinceSuccess: 4,
      lastError: "note/create failed",
      lastFailureAt: 800,
      lastSuccessAt: 900,
    });
    expect(health.operations.map((o) => o.operation)).toEqual(["note/create", "appointment/get"]);
    expect(connectionStatusLabel("connected", health)).toBe(
      "connected · write-backs failing (4 failures since the last success)",
    );
  });

  it("working write-backs: the connection's status alone", () => {
    const health = summarizeHealth("fieldroutes", [op("note/create", 0, 100, 200)], 1);
    expect(health.failing).toBe(false);
    expect(connectionStatusLabel("connected", health)).toBe("connected");
    expect(connectionStatusLabel("connected", undefined)).toBe("connected");
  });
});

describe("a merchant whose CRM notes fail on every write", () => {
  it("shows failing write-backs on both CRM cards and on the dashboard, and recovers on success", async () => {
    const database = await appDatabase();
    const merchant = await createMerchant({ name: "Failing Notes Pest" });
    const now = Date.now();
    await database.write(async (tx) => {
      await tx.insert(crmConnections).values({
        id: newId("crm"),
        merchantId: merchant.id,
        crm: "fieldroutes",
        authKind: "api_key",
        status: "connected",
        subdomain: "failingnotes",
        verifiedAt: new Date(now - 3 * 86_400_000),
      });
    });
    const log = (operation: string, outcome: "ok" | "error", ago: number, error?: string) =>
      database.write((tx) =>
        tx.insert(crmSyncLogs).values({
          id: newId("csl"),
          merchantId: merchant.id,
          crm: "fieldroutes",
          operation,
          outcome,
          error: error ?? null,
          createdAt: new Date(now - ago),
        }),
      );
    await log("note/create", "ok", 2 * 86_400_000);
    await log("note/create", "error", 3_600_000, "FieldRoutes 404: customer FR12345 not found");
    await log("appointment/get", "ok", 1_800_000);
    await log("note/create", "error", 600_000, "FieldRoutes 404: customer FR12345 not found");
    await log(
      "note/create",
      "error",
      60_000,
      "NOT_ATTEMPTED: FR12345 is not a FieldRoutes customerID",
    );

    const admin = await signedInOperator("admin");
    const page = (await callOps(merchantRoute, {
      path: `/ops/merchants/${merchant.id}`,
      params: { merchantId: merchant.id },
      cookie: admin.cookie,
    })) as { writeHealth: WriteHealth[]; connections: { status: string }[] };
    const [health] = page.writeHealth;
    expect(health).toMatchObject({
      crm: "fieldroutes",
      failing: true,
      failuresSinceSuccess: 3,
      failuresLast24h: 3,
      lastError: "NOT_ATTEMPTED: FR12345 is not a FieldRoutes customerID",
    });
    // The last success of any call (a read), and the note's own: two days ago.
    expect(health!.lastSuccessAt).toBe(now - 1_800_000);
    expect(health!.operations[0]).toMatchObject({
      operation: "note/create",
      failuresSinceSuccess: 3,
      lastSuccessAt: now - 2 * 86_400_000,
    });
    expect(connectionStatusLabel(page.connections[0]!.status, health)).toBe(
      "connected · write-backs failing (3 failures since the last success)",
    );

    const cookie = await signedInMerchantUser(merchant.id, "owner");
    const portal = (await callOps(portalCrmRoute, { path: "/merchant/crm", cookie })) as {
      writeHealth: WriteHealth[];
    };
    expect(portal.writeHealth).toEqual(page.writeHealth);

    const dashboard = (await callOps(dashboardRoute, { path: "/ops", cookie: admin.cookie })) as {
      dashboard: { crmFailures: { merchants: number; rows: { merchantId: string }[] } };
    };
    expect(dashboard.dashboard.crmFailures.rows.map((r) => r.merchantId)).toContain(merchant.id);
    const failingBefore = dashboard.dashboard.crmFailures.merchants;

    // A note that goes through: the card says working again, the dashboard counts one fewer.
    await log("note/create", "ok", 0);
    const after = (await callOps(portalCrmRoute, { path: "/merchant/crm", cookie })) as {
      writeHealth: WriteHealth[];
    };
    expect(after.writeHealth[0]).toMatchObject({ failing: false, failuresSinceSuccess: 0 });
    const dashboardAfter = (await callOps(dashboardRoute, {
      path: "/ops",
      cookie: admin.cookie,
    })) as {
      dashboard: { crmFailures: { merchants: number } };
    };
    expect(dashboardAfter.dashboard.crmFailures.merchants).toBe(failingBefore - 1);
  });
});
