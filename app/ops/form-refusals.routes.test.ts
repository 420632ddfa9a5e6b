/**
 * The FlowOps forms converted last to Conform + zod (issue 18, ADR 078): a bad submission of
 * each comes back with its message (on its field where the form has fields) and writes nothing —
 * the rule editor's rows, draft start on the rules and pricing pages, the merchant page's CRM
 * intents, and sign-in. (The lender-decline and cancel forms' short reasons are refused in
 * app/lending/lender-decline.test.ts and app/lending/cancel-routes.test.ts.)
 */
import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLogs, crmConnections } from "~/db/schema/index";
import { defaultRules } from "~/app/decisioning/default-rules";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import * as loginRoute from "~/app/routes/ops.login";
import * as merchantRoute from "~/app/routes/ops.merchants.$merchantId";
import * as pricingRoute from "~/app/routes/ops.pricing";
import * as rulesRoute from "~/app/routes/ops.rules";
import { createOperator } from "./operators.server";
import { ruleInputName, ruleRowFields, ruleToRow } from "./rules-form";

type Signed = Awaited<ReturnType<typeof signedInOperator>>;
let admin: Signed;
let analyst: Signed;

beforeAll(async () => {
  await ensureDecisioningDefaults(await appDatabase());
  admin = await signedInOperator("admin");
  analyst = await signedInOperator("risk_analyst");
});

describe("the rule editor", () => {
  const post = (form: Record<string, string>) =>
    callOps(rulesRoute, { path: "/ops/rules", cookie: analyst.cookie, form });
  const page = async () =>
    (await callOps(rulesRoute, { path: "/ops/rules", cookie: analyst.cookie })) as {
      draft: { id: string; version: number; rows: { key: string }[] } | null;
    };

  it("refuses a start from a version that does not read, and starts nothing", async () => {
    const refused = (await post({ intent: "start-draft", fromVersion: "v1;" })) as {
      error: string;
    };
    expect(statusOf(refused)).toBe(422);
    expect(refused.error).toBe("Choose a version to start from");
    expect((await page()).draft).toBeNull();
  });

  it("refuses rows without a key or action, or with an amount that is not dollars; saves nothing", async () => {
    expect(statusOf(await post({ intent: "start-draft", fromVersion: "1" }))).toBe(302);
    const { draft } = await page();
    const form: Record<string, string> = {
      intent: "save",
      ruleSetId: draft!.id,
      version: String(draft!.version),
      notes: "Bad rows",
      ruleCount: String(defaultRules.length),
    };
    defaultRules.map(ruleToRow).forEach((row, index) => {
      for (const field of ruleRowFields) form[ruleInputName(index, field)] = row[field];
    });
    // The new-rule row, filled in without a key or an action.
    const n = defaultRules.length;
    form[ruleInputName(n, "name")] = "No key";
    form[ruleInputName(n, "value")] = "1";
    const refused = (await post(form)) as {
      error: string;
      blocking: string[];
      unsaved: { rows: { name: string }[]; notes: string };
    };
    expect(statusOf(refused)).toBe(422);
    expect(refused.error).toBe("The draft was not saved");
    expect(refused.blocking).toEqual([
      `Row ${n + 1}: needs a key`,
      `Row ${n + 1}: choose an action`,
    ]);
    // What was typed comes back to be fixed…
    expect(refused.unsaved.rows.at(-1)!.name).toBe("No key");
    expect(refused.unsaved.notes).toBe("Bad rows");
    // …and the stored draft is the one started.
    const after = await page();
    expect(after.draft!.rows.map((row) => row.key)).toEqual(defaultRules.map((rule) => rule.key));
    expect(after.draft!.id).toBe(draft!.id);
  });
});

describe("the pricing editor", () => {
  it("refuses a start from a version that does not read, and starts nothing", async () => {
    const refused = (await callOps(pricingRoute, {
      path: "/ops/pricing",
      cookie: admin.cookie,
      form: { intent: "start-draft", fromVersion: "" },
    })) as { error: string };
    expect(statusOf(refused)).toBe(422);
    expect(refused.error).toBe("Choose a version to start from");
    const page = (await callOps(pricingRoute, { path: "/ops/pricing", cookie: admin.cookie })) as {
      draft: unknown;
    };
    expect(page.draft).toBeNull();
  });
});

describe("the merchant page's CRM forms", () => {
  let merchantId = "";
  const post = (form: Record<string, string>) =>
    callOps(merchantRoute, {
      path: `/ops/merchants/${merchantId}`,
      params: { merchantId },
      cookie: admin.cookie,
      form,
    });
  const connections = async () =>
    (await appDatabase()).db
      .select()
      .from(crmConnections)
      .where(eq(crmConnections.merchantId, merchantId));
  const credentials = {
    intent: "crm-connect",
    subdomain: "acme",
    authenticationKey: "key-0123456789",
    authenticationToken: "token-0123456789",
    sandbox: "on",
  };
  type Answer = {
    crmError: string;
    crmFieldErrors?: Record<string, string>;
    crmValues?: { subdomain: string; officeId: string };
  };

  beforeAll(async () => {
    merchantId = (await createMerchant({ name: "Refusals Pest Control" })).id;
  });

  it("puts each credentials message on its field, echoes no secret, and connects nothing", async () => {
    const subdomain = (await post({
      ...credentials,
      subdomain: " acme.fieldroutes.com ",
    })) as Answer;
    expect(statusOf(subdomain)).toBe(422);
    const message = "Enter the office's FieldRoutes subdomain (the part before .fieldroutes.com)";
    expect(subdomain.crmError).toBe(message);
    expect(subdomain.crmFieldErrors).toEqual({ subdomain: message });
    expect(subdomain.crmValues).toEqual({ subdomain: "acme.fieldroutes.com", officeId: "" });
    expect(JSON.stringify(subdomain)).not.toContain("0123456789");

    const token = (await post({ ...credentials, authenticationToken: "  " })) as Answer;
    expect(statusOf(token)).toBe(422);
    expect(token.crmFieldErrors).toEqual({
      authenticationToken: "Enter the authentication key and token from FieldRoutes",
    });

    const office = (await post({ ...credentials, officeId: "x1" })) as Answer;
    expect(statusOf(office)).toBe(422);
    expect(office.crmFieldErrors).toEqual({
      officeId: "The office id is a number (leave it empty for a single office)",
    });
    expect(office.crmValues).toEqual({ subdomain: "acme", officeId: "x1" });

    expect(await connections()).toEqual([]);
    const audited = await (
      await appDatabase()
    ).db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.entityId, merchantId));
    expect(audited.filter((entry) => entry.action.startsWith("crm_connection."))).toEqual([]);
  });

  it("answers 404 for a connection id that does not read, and 422 for no OAuth CRM", async () => {
    for (const intent of ["crm-verify", "crm-disconnect"]) {
      const refused = (await post({ intent, connectionId: "../x'" })) as Answer;
      expect(statusOf(refused)).toBe(404);
      expect(refused.crmError).toBe("This merchant has no such CRM connection");
    }
    const noCrm = (await post({ intent: "crm-oauth-start" })) as Answer;
    expect(statusOf(noCrm)).toBe(422);
    expect(noCrm.crmError).toBeTruthy();
    expect(await connections()).toEqual([]);
  });
});

describe("sign-in", () => {
  it("says which credential is missing and starts no session", async () => {
    const password = "a long and correct password";
    const op = await createOperator(await appDatabase(), {
      email: `refusals.${Date.now().toString(36)}@flowpay.test`,
      name: "Refusals",
      role: "support",
      password,
      actor: { actorType: "system", actorId: "test" },
    });
    const noEmail = await callOps(loginRoute, {
      path: "/ops/login",
      form: { email: "", password },
    });
    expect(noEmail).toEqual({ error: "Enter your work e-mail" });
    const noPassword = await callOps(loginRoute, {
      path: "/ops/login",
      form: { email: op.email, password: "" },
    });
    expect(noPassword).toEqual({ error: "Enter your password" });
    // The right credentials still go on to the second step.
    const signedIn = (await callOps(loginRoute, {
      path: "/ops/login",
      form: { email: op.email, password },
    })) as Response;
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("set-cookie")).toBeTruthy();
  });
});
