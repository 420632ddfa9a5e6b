/**
 * The FlowOps reconciliation screens (ADR 058): who may see and resolve, and refusals a page
 * shows (422 for a bad form, 409 for a resolved item, 404 for an unknown one) — never a 500.
 */
import { appDatabase } from "~/scripts/testing/app-harness";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { reconciliationItems } from "~/db/schema/index";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import * as itemRoute from "~/app/routes/ops.reconciliation.$itemId";
import * as queueRoute from "~/app/routes/ops.reconciliation._index";

const database = await appDatabase();
const itemId = newId("rci");
let admin: Awaited<ReturnType<typeof signedInOperator>>;
let support: Awaited<ReturnType<typeof signedInOperator>>;
let underwriter: Awaited<ReturnType<typeof signedInOperator>>;

beforeAll(async () => {
  admin = await signedInOperator("admin", { name: "Ada Admin" });
  support = await signedInOperator("support");
  underwriter = await signedInOperator("underwriter");
  await database.write((tx) =>
    tx.insert(reconciliationItems).values({
      id: itemId,
      lender: "mock",
      settlementDate: "2026-12-06",
      loanId: "loan_routes",
      kind: "refund",
      issue: "amount_mismatch",
      lenderCents: 50_000,
      ledgerCents: 40_000,
      createdAt: new Date(),
    }),
  );
});

const page = (cookie: string) =>
  callOps(itemRoute, { path: `/ops/reconciliation/${itemId}`, cookie, params: { itemId } });
const resolve = (cookie: string, note: string, id = itemId) =>
  callOps(itemRoute, {
    path: `/ops/reconciliation/${id}`,
    cookie,
    params: { itemId: id },
    form: { note },
  });

describe("FlowOps reconciliation routes", () => {
  it("support reads the queue and the item but may not resolve or reconcile; an underwriter sees nothing", async () => {
    const queue = (await callOps(queueRoute, {
      path: "/ops/reconciliation",
      cookie: support.cookie,
    })) as { items: { loanId: string; differenceCents: number }[]; canResolve: boolean };
    expect(queue.canResolve).toBe(false);
    expect(queue.items).toEqual([
      expect.objectContaining({ loanId: "loan_routes", differenceCents: 10_000 }),
    ]);
    expect(statusOf(await page(support.cookie))).toBe(200);
    expect(statusOf(await resolve(support.cookie, "Looked at it."))).toBe(403);
    expect(
      statusOf(
        await callOps(queueRoute, {
          path: "/ops/reconciliation",
          cookie: support.cookie,
          form: { date: "2026-12-06" },
        }),
      ),
    ).toBe(403);
    expect(statusOf(await page(underwriter.cookie))).toBe(403);
  });

  it("refuses a note that says nothing (422), resolves, then refuses again (409); unknown is 404", async () => {
    const blank = await resolve(admin.cookie, "  ");
    expect(statusOf(blank)).toBe(422);
    expect(blank).toMatchObject({ error: expect.stringMatching(/at least 3 characters/) });
    const done = await resolve(admin.cookie, "Lender's fee adjustment; correction posted.");
    expect(statusOf(done)).toBe(302);
    expect((done as Response).headers.get("location")).toBe(
      `/ops/reconciliation/${itemId}?done=resolved`,
    );
    const again = await resolve(admin.cookie, "Twice");
    expect(statusOf(again)).toBe(409);
    expect(statusOf(await resolve(admin.cookie, "Nothing here", newId("rci")))).toBe(404);
    const resolved = (await page(admin.cookie)) as {
      item: { status: string; note: string; resolverName: string };
    };
    expect(resolved.item).toMatchObject({
      status: "resolved",
      note: "Lender's fee adjustment; correction posted.",
      resolverName: "Ada Admin",
    });
  });

  it("asks for a date that is a date, and not in the future", async () => {
    const bad = await callOps(queueRoute, {
      path: "/ops/reconciliation",
      cookie: admin.cookie,
      form: { date: "tomorrow" },
    });
    expect(statusOf(bad)).toBe(422);
    const future = await callOps(queueRoute, {
      path: "/ops/reconciliation",
      cookie: admin.cookie,
      form: { date: "2999-01-01" },
    });
    expect(statusOf(future)).toBe(422);
    const asked = await callOps(queueRoute, {
      path: "/ops/reconciliation",
      cookie: admin.cookie,
      form: { date: "2026-12-06" },
    });
    expect((asked as Response).headers.get("location")).toBe("/ops/reconciliation?done=requested");
  });
});
