/**
 * The rules, pricing, merchants and jobs screens through their loaders and actions: who may see
 * and change what (the role table), the cross-site check, and the rule editor's form posts from
 * saving to a refused and then an accepted publish.
 */
import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLogs, type OperatorRole } from "~/db/schema/index";
import { defaultRules } from "~/app/decisioning/default-rules";
import { getPublishedRuleSet } from "~/app/decisioning/rule-sets.server";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import * as jobsRoute from "~/app/routes/ops.jobs";
import * as merchantRoute from "~/app/routes/ops.merchants.$merchantId";
import * as merchantsRoute from "~/app/routes/ops.merchants._index";
import * as newMerchantRoute from "~/app/routes/ops.merchants.new";
import * as policyRoute from "~/app/routes/ops.policy.$kind";
import * as pricingRoute from "~/app/routes/ops.pricing";
import * as rulesRoute from "~/app/routes/ops.rules";
import { can, type Permission } from "./permissions";
import { ruleInputName, ruleRowFields, ruleToRow } from "./rules-form";

type Signed = Awaited<ReturnType<typeof signedInOperator>>;
const roles: OperatorRole[] = ["admin", "underwriter", "risk_analyst", "support"];
const signed = {} as Record<OperatorRole, Signed>;
let merchantId = "";

beforeAll(async () => {
  const database = await appDatabase();
  await ensureDecisioningDefaults(database);
  for (const role of roles) signed[role] = await signedInOperator(role);
  const { createMerchant } = await import("~/scripts/testing/app-harness");
  merchantId = (await createMerchant({ name: "Acme Pest Control" })).id;
});

describe("who may use the admin screens", () => {
  const screens: {
    name: string;
    permission: Permission;
    call: (s: Signed) => Promise<unknown>;
  }[] = [
    {
      name: "GET /ops/rules",
      permission: "read:rules",
      call: (s) => callOps(rulesRoute, { path: "/ops/rules", cookie: s.cookie }),
    },
    {
      name: "POST /ops/rules",
      permission: "edit:rules",
      call: (s) =>
        callOps(rulesRoute, { path: "/ops/rules", cookie: s.cookie, form: { intent: "nothing" } }),
    },
    {
      name: "GET /ops/pricing",
      permission: "read:pricing",
      call: (s) => callOps(pricingRoute, { path: "/ops/pricing", cookie: s.cookie }),
    },
    {
      name: "POST /ops/pricing",
      permission: "edit:pricing",
      call: (s) =>
        callOps(pricingRoute, {
          path: "/ops/pricing",
          cookie: s.cookie,
          form: { intent: "nothing" },
        }),
    },
    {
      name: "GET /ops/merchants",
      permission: "read:merchant",
      call: (s) => callOps(merchantsRoute, { path: "/ops/merchants", cookie: s.cookie }),
    },
    {
      name: "GET /ops/merchants/new",
      permission: "edit:merchant",
      call: (s) => callOps(newMerchantRoute, { path: "/ops/merchants/new", cookie: s.cookie }),
    },
    {
      name: "POST /ops/merchants/:id suspend",
      permission: "edit:merchant",
      call: (s) =>
        callOps(merchantRoute, {
          path: `/ops/merchants/${merchantId}`,
          params: { merchantId },
          cookie: s.cookie,
          // Reactivating an active merchant changes nothing, whoever may do it.
          form: { intent: "reactivate" },
        }),
    },
    {
      name: "POST /ops/merchants/:id revoke-key",
      permission: "manage:api_key",
      call: (s) =>
        callOps(merchantRoute, {
          path: `/ops/merchants/${merchantId}`,
          params: { merchantId },
          cookie: s.cookie,
          form: { intent: "revoke-key", keyId: "key_none" },
        }),
    },
    {
      name: "POST /ops/merchants/:id crm-disconnect",
      permission: "manage:crm_connection",
      call: (s) =>
        callOps(merchantRoute, {
          path: `/ops/merchants/${merchantId}`,
          params: { merchantId },
          cookie: s.cookie,
          form: { intent: "crm-disconnect", connectionId: "crm_none" },
        }),
    },
    {
      name: "GET /ops/jobs",
      permission: "read:job",
      call: (s) => callOps(jobsRoute, { path: "/ops/jobs", cookie: s.cookie }),
    },
    {
      name: "POST /ops/jobs",
      permission: "manage:job",
      call: (s) =>
        callOps(jobsRoute, {
          path: "/ops/jobs",
          cookie: s.cookie,
          form: { intent: "retry", id: "999999" },
        }),
    },
  ];

  for (const screen of screens) {
    it(`${screen.name} needs ${screen.permission}`, async () => {
      for (const role of roles) {
        const status = statusOf(await screen.call(signed[role]));
        // Allowed: the page (200), where it sends you (302) or the form's refusal of these
        // made-up ids (404/409/422, issue 13 item 18); not allowed: 403.
        expect([role, status === 403]).toEqual([role, !can(role, screen.permission)]);
        expect([200, 302, 403, 404, 409, 422]).toContain(status);
      }
    });
  }

  it("a cross-site or origin-less POST is refused even for an admin", async () => {
    for (const origin of ["https://evil.example", null]) {
      const result = await callOps(rulesRoute, {
        path: "/ops/rules",
        cookie: signed.admin.cookie,
        form: { intent: "start-draft", fromVersion: "1" },
        origin,
      });
      expect(statusOf(result)).toBe(403);
    }
    const database = await appDatabase();
    expect(
      await database.db.query.ruleSets.findFirst({ where: (t) => eq(t.status, "draft") }),
    ).toBe(undefined);
  });

  it("an underwriter sees the rules read-only", async () => {
    const data = (await callOps(rulesRoute, {
      path: "/ops/rules",
      cookie: signed.underwriter.cookie,
    })) as { canEdit: boolean; canPublish: boolean };
    expect(data).toMatchObject({ canEdit: false, canPublish: false });
  });
});

describe("the rule editor's form posts", () => {
  const analyst = () => signed.risk_analyst;
  const post = (form: Record<string, string>) =>
    callOps(rulesRoute, { path: "/ops/rules", cookie: analyst().cookie, form });

  function editorForm(rules = defaultRules, extra: Record<string, string> = {}) {
    const form: Record<string, string> = { ruleCount: String(rules.length), notes: "Band" };
    rules.map(ruleToRow).forEach((row, index) => {
      for (const field of ruleRowFields) form[ruleInputName(index, field)] = row[field];
    });
    return { ...form, ...extra };
  }

  it("start, save with a new row, refuse an invalid publish, then publish", async () => {
    const started = await post({ intent: "start-draft", fromVersion: "1" });
    expect(started).toBeInstanceOf(Response);
    expect((started as Response).headers.get("location")).toMatch(
      /^\/ops\/rules\?done=started&version=\d+$/,
    );
    const page = (await callOps(rulesRoute, { path: "/ops/rules", cookie: analyst().cookie })) as {
      draft: { id: string; version: number; rows: unknown[] };
    };
    expect(page.draft.rows).toHaveLength(defaultRules.length);
    const ids = { ruleSetId: page.draft.id, version: String(page.draft.version) };
    const n = defaultRules.length;
    const newRow = (value: string) => ({
      [ruleInputName(n, "key")]: "score_band",
      [ruleInputName(n, "name")]: "Score band",
      [ruleInputName(n, "field")]: "credit.score",
      [ruleInputName(n, "operator")]: "in",
      [ruleInputName(n, "value")]: value,
      [ruleInputName(n, "action")]: "manual_review",
      [ruleInputName(n, "reasonCode")]: "low_credit_score",
    });

    // A key used twice: nothing is saved, the rows come back as posted.
    const twice = (await post({
      ...editorForm(),
      ...ids,
      ...newRow("721"),
      [ruleInputName(n, "key")]: "bankruptcy",
      intent: "save",
    })) as { blocking: string[]; unsaved: { rows: unknown[] } };
    expect(twice.blocking).toEqual([
      `Row ${n + 1} ("bankruptcy"): the key "bankruptcy" is used twice`,
    ]);
    expect(twice.unsaved.rows).toHaveLength(n + 1);

    const refused = (await post({
      ...editorForm(),
      ...ids,
      ...newRow("abc"),
      intent: "publish",
    })) as { publishRefused: { key: string; messages: string[] }[] };
    expect(refused.publishRefused).toEqual([
      {
        position: n + 1,
        key: "score_band",
        messages: ['credit.score in needs a number, not "abc"'],
      },
    ]);
    expect((await getPublishedRuleSet(await appDatabase()))!.version).toBe(1);

    const moved = await post({ ...editorForm(), ...ids, ...newRow("721"), intent: `up:${n}` });
    expect(moved).toMatchObject({ message: "Draft saved." });
    const saved = (await callOps(rulesRoute, { path: "/ops/rules", cookie: analyst().cookie })) as {
      draft: { rows: { key: string; value: string }[]; notes: string };
    };
    expect(saved.draft.rows.map((row) => row.key).slice(-2)).toEqual([
      "score_band",
      "no_bank_data",
    ]);
    expect(saved.draft.notes).toBe("Band");

    const validated = (await post({
      ...editorForm(),
      ...ids,
      ...newRow("721, 722"),
      intent: "validate",
    })) as { validation: unknown[] };
    expect(validated.validation).toEqual([]);

    // Publishing takes two operators (ADR 069): the analyst submits, a second one approves.
    const submitted = (await post({
      ...editorForm(),
      ...ids,
      ...newRow("721, 722"),
      intent: "publish",
    })) as Response;
    expect(submitted.headers.get("location")).toBe(
      `/ops/policy/rules?done=submitted&version=${page.draft.version}`,
    );
    expect((await getPublishedRuleSet(await appDatabase()))!.version).toBe(1);
    // Approving asks first (issue 18): the author is refused at once; another operator confirms.
    const approve = async (s: Signed) => {
      const post = (form: Record<string, string>) =>
        callOps(policyRoute, {
          path: "/ops/policy/rules",
          params: { kind: "rules" },
          cookie: s.cookie,
          form,
        });
      const asked = await post({ intent: "approve" });
      const preview = (asked as { confirmApprove?: { submissionId: string } }).confirmApprove;
      if (!preview) return asked;
      return post({ intent: "approve", confirm: "yes", submissionId: preview.submissionId });
    };
    const own = await approve(analyst());
    expect(statusOf(own)).toBe(403);
    expect((own as { error: string }).error).toMatch(/another operator/);
    const published = (await approve(signed.admin)) as Response;
    expect(published.headers.get("location")).toBe(
      `/ops/rules?done=published&version=${page.draft.version}`,
    );
    const live = (await getPublishedRuleSet(await appDatabase()))!;
    expect(live.version).toBe(page.draft.version);
    expect(live.rules.at(-1)).toEqual({
      key: "score_band",
      name: "Score band",
      field: "credit.score",
      operator: "in",
      value: [721, 722],
      action: "manual_review",
      reasonCode: "low_credit_score",
    });

    const database = await appDatabase();
    const trail = await database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.actorId, analyst().id));
    const changes = trail.filter((entry) => entry.action.startsWith("rule_set."));
    expect(changes.map((entry) => entry.action)).toEqual([
      "rule_set.draft_created",
      "rule_set.draft_saved",
      "rule_set.draft_saved",
      "rule_set.draft_saved",
      "rule_set.draft_saved",
      "rule_set.submitted_for_approval",
    ]);
    expect(changes.every((entry) => entry.userAgent === "vitest")).toBe(true);
  });
});
