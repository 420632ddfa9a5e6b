/**
 * The policy review page (/ops/policy/{rules|pricing}, ADRs 069–070) through its loader and
 * action: who may see it, back-test and approve, and the self-refresh while a back-test runs.
 */
import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import { getPublishedPricing } from "~/app/decisioning/pricing-rules.server";
import * as policyRoute from "~/app/routes/ops.policy.$kind";
import * as pricingRoute from "~/app/routes/ops.pricing";
import type { PolicyActionData, PolicyPage } from "./policy-page.server";
import type { PricingFormValue } from "./pricing-form";
import { pricingFormEntries } from "./testing";

type Signed = Awaited<ReturnType<typeof signedInOperator>>;
let analyst: Signed;
let underwriter: Signed;
let support: Signed;

beforeAll(async () => {
  await ensureDecisioningDefaults(await appDatabase());
  analyst = await signedInOperator("risk_analyst");
  underwriter = await signedInOperator("underwriter");
  support = await signedInOperator("support");
});

const get = (s: Signed, kind = "rules") =>
  callOps(policyRoute, { path: `/ops/policy/${kind}`, params: { kind }, cookie: s.cookie });
const post = (s: Signed, form: Record<string, string>, kind = "rules") =>
  callOps(policyRoute, { path: `/ops/policy/${kind}`, params: { kind }, cookie: s.cookie, form });

describe("the policy review page", () => {
  it("is read by whoever reads the rules; an unknown kind is 404", async () => {
    expect(statusOf(await get(support))).toBe(403);
    const page = (await get(underwriter)) as PolicyPage;
    expect(page).toMatchObject({ kind: "rules", canApprove: false, canBacktest: false });
    expect((await get(analyst)) as PolicyPage).toMatchObject({
      canApprove: true,
      canBacktest: true,
    });
    expect(statusOf(await get(analyst, "fees"))).toBe(404);
  });

  it("an underwriter may neither back-test nor approve", async () => {
    expect(statusOf(await post(underwriter, { intent: "backtest", days: "30" }))).toBe(403);
    expect(statusOf(await post(underwriter, { intent: "approve" }))).toBe(403);
  });

  it("refuses a back-test without a draft and a window out of range", async () => {
    const none = await post(analyst, { intent: "backtest", days: "30" });
    expect(statusOf(none)).toBe(404);
    const wide = await post(analyst, { intent: "backtest", days: "999" });
    expect(statusOf(wide)).toBe(422);
    expect((wide as { error: string }).error).toMatch(/1 and 365 days/);
  });

  it("refreshes itself (meta refresh, no JavaScript) only while a back-test runs", () => {
    const meta = (refreshing: boolean) =>
      policyRoute.meta({ data: { kind: "rules", refreshing } } as never) as object[];
    expect(meta(true)).toContainEqual({ httpEquiv: "refresh", content: "2" });
    expect(meta(false)).not.toContainEqual(expect.objectContaining({ httpEquiv: "refresh" }));
  });
});

describe("approving asks for confirmation first (issue 18)", () => {
  it("says what publishing does, publishes only when confirmed, and refuses the author at once", async () => {
    const database = await appDatabase();
    const author = await signedInOperator("risk_analyst", { name: "Avery Author" });
    const approver = await signedInOperator("risk_analyst");
    const editor = (form: Record<string, string>) =>
      callOps(pricingRoute, { path: "/ops/pricing", cookie: author.cookie, form });
    expect(statusOf(await editor({ intent: "start-draft", fromVersion: "1" }))).toBe(302);
    const { draft } = (await callOps(pricingRoute, {
      path: "/ops/pricing",
      cookie: author.cookie,
    })) as { draft: { id: string; version: number; form: PricingFormValue } };
    const changed = { ...draft.form, lateFee: "20.00" };
    const submitted = await editor(
      pricingFormEntries(changed, { intent: "publish", pricingId: draft.id }),
    );
    expect(statusOf(submitted)).toBe(302);

    // The author is refused on the first post, before any confirmation.
    expect(statusOf(await post(author, { intent: "approve" }, "pricing"))).toBe(403);

    const asked = (await post(approver, { intent: "approve" }, "pricing")) as PolicyActionData;
    expect(asked.confirmApprove).toMatchObject({
      version: draft.version,
      liveVersion: 1,
      submittedBy: "Avery Author",
      changes: 1,
    });
    expect((await getPublishedPricing(database))!.version).toBe(1);

    const stale = await post(
      approver,
      { intent: "approve", confirm: "yes", submissionId: "pol_not_this_one" },
      "pricing",
    );
    expect(statusOf(stale)).toBe(409);
    expect((await getPublishedPricing(database))!.version).toBe(1);

    const confirmed = await post(
      approver,
      { intent: "approve", confirm: "yes", submissionId: asked.confirmApprove!.submissionId },
      "pricing",
    );
    expect((confirmed as Response).headers.get("location")).toBe(
      `/ops/pricing?done=published&version=${draft.version}`,
    );
    const live = (await getPublishedPricing(database))!;
    expect(live.version).toBe(draft.version);
    expect((live.table as { lateCharge: { feeCents: number } }).lateCharge.feeCents).toBe(2_000);
  });
});
