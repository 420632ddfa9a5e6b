/**
 * Issue 13 item 18: no FlowOps action answers 500 to an id an operator can send. Every action
 * intent of every FlowOps page is posted with an unknown id, a malformed id and, where the
 * intent has one, a stale state (publishing what is already published, revoking a revoked key,
 * retrying a job that is not dead…). Each must answer 404, 409 or 422 with a message the page
 * shows — never 500, and never a 200 that looks like success.
 */
import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { outbox } from "~/db/schema/index";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { ensureDecisioningDefaults } from "~/app/decisioning/seed.server";
import { createMerchantApiKey, revokeMerchantApiKey } from "~/app/ops/merchants.server";
import * as applicationRoute from "~/app/routes/ops.applications.$applicationId";
import { defaultPricingForm, pricingFormEntries } from "~/app/ops/testing";
import * as jobsRoute from "~/app/routes/ops.jobs";
import * as merchantRoute from "~/app/routes/ops.merchants.$merchantId";
import * as pricingRoute from "~/app/routes/ops.pricing";
import * as reviewRoute from "~/app/routes/ops.reviews.$reviewId";
import * as rulesRoute from "~/app/routes/ops.rules";
import * as userRoute from "~/app/routes/ops.users.$operatorId";

type Route = Parameters<typeof callOps>[0];
/** An id known only once beforeAll has run is given as a function. */
type Lazy = string | (() => string);
type Case = {
  name: string;
  route: Route;
  path: string;
  params?: Record<string, Lazy>;
  form: Record<string, Lazy>;
  /** Statuses this case may answer; 404, 409 or 422 unless said. */
  statuses?: number[];
};

/** The status and the message a page would show, from whatever the action returned or threw. */
async function outcome(result: unknown): Promise<{ status: number; message: string }> {
  const status = statusOf(result);
  if (result instanceof Response) {
    return { status, message: status >= 300 && status < 400 ? "" : await result.text() };
  }
  const fields = result as Record<string, unknown> | null;
  // A form-level message, or the first field's (the page shows it beside the field).
  const fieldErrors = Object.values((fields?.errors ?? fields?.formErrors ?? {}) as object);
  const message = [
    ...["error", "message", "formError", "keyError", "crmError"].map((key) => fields?.[key]),
    ...fieldErrors,
  ].find((value): value is string => typeof value === "string" && value.length > 0);
  return { status, message: message ?? "" };
}

const unknownId = (prefix: string) => newId(prefix);
/** The pricing editor's fields of the default table (a form that parses), with `extra`. */
const pricingForm = (extra: Record<string, string>) =>
  pricingFormEntries(defaultPricingForm(), extra);
const malformed = "../../x'\"<>";

let admin: Awaited<ReturnType<typeof signedInOperator>>;
let merchantId: string;
let publishedRuleSet: { id: string; version: number };
let publishedPricing: { id: string; version: number };
let revokedKeyId: string;
let pendingJobId: number;

beforeAll(async () => {
  const database = await appDatabase();
  await ensureDecisioningDefaults(database);
  admin = await signedInOperator("admin");
  merchantId = (await createMerchant({ name: "Stale Ids Pest Control" })).id;
  const rules = (await callOps(rulesRoute, { path: "/ops/rules", cookie: admin.cookie })) as {
    published: { id: string; version: number };
  };
  publishedRuleSet = rules.published;
  const pricing = (await callOps(pricingRoute, { path: "/ops/pricing", cookie: admin.cookie })) as {
    published: { id: string; version: number };
  };
  publishedPricing = pricing.published;
  const actor = { actorType: "operator" as const, actorId: admin.id };
  const key = await createMerchantApiKey(database, {
    merchantId,
    mode: "test",
    name: "stale",
    expiresInDays: 30,
    actor,
  });
  revokedKeyId = key.id;
  await revokeMerchantApiKey(database, { merchantId, keyId: revokedKeyId, actor });
  const [job] = await database.write((tx) =>
    tx
      .insert(outbox)
      .values({
        kind: "send_sms",
        payload: "{}",
        priority: 3,
        runAt: Date.now() + 3_600_000,
        createdAt: Date.now(),
        updatedAt: Date.now(),
      })
      .returning({ id: outbox.id }),
  );
  pendingJobId = job!.id;
});

function cases(): Case[] {
  const rules = (form: Record<string, string>, name: string): Case => ({
    name: `rules ${name}`,
    route: rulesRoute,
    path: "/ops/rules",
    form,
  });
  const pricing = (form: Record<string, string>, name: string): Case => ({
    name: `pricing ${name}`,
    route: pricingRoute,
    path: "/ops/pricing",
    form,
  });
  const merchant = (id: Lazy, form: Record<string, Lazy>, name: string): Case => ({
    name: `merchant ${name}`,
    route: merchantRoute,
    path: "/ops/merchants/:id",
    params: { merchantId: id },
    form,
  });
  const user = (id: Lazy, form: Record<string, Lazy>, name: string): Case => ({
    name: `user ${name}`,
    route: userRoute,
    path: "/ops/users/:id",
    params: { operatorId: id },
    form,
  });
  const application = (id: string, form: Record<string, string>, name: string): Case => ({
    name: `application ${name}`,
    route: applicationRoute,
    path: "/ops/applications/:id",
    params: { applicationId: id },
    form,
  });
  const review = (id: string, form: Record<string, string>, name: string): Case => ({
    name: `review ${name}`,
    route: reviewRoute,
    path: "/ops/reviews/:id",
    params: { reviewId: id },
    form,
  });
  const jobs = (form: Record<string, Lazy>, name: string): Case => ({
    name: `jobs ${name}`,
    route: jobsRoute,
    path: "/ops/jobs",
    form,
  });

  const ruleEdits = ["save", "validate", "dry-run", "publish"];
  const merchantIntents: Record<string, Record<string, string>> = {
    update: { name: "X", slug: "x", minAmount: "500", maxAmount: "25000" },
    suspend: {},
    reactivate: {},
    "create-key": { mode: "test" },
    "rotate-key": { keyId: unknownId("key"), overlapHours: "24" },
    "revoke-key": { keyId: unknownId("key") },
    "crm-connect": { subdomain: "acme", authenticationKey: "k", authenticationToken: "t" },
    "crm-oauth-start": { crm: "jobber" },
    "crm-verify": { connectionId: unknownId("crm") },
    "crm-disconnect": { connectionId: unknownId("crm") },
  };
  const userIntents: Record<string, Record<string, string>> = {
    role: { role: "support" },
    "reset-mfa": {},
    deactivate: {},
    reactivate: {},
    "revoke-sessions": {},
    unlock: {},
  };
  const applicationIntents: Record<string, Record<string, string>> = {
    reveal: { field: "ssn", reason: "Support ticket 1234: identity check" },
    reroute_lender: { lender: "mock" },
    cancel_lender_declined: { reason: "The merchant asked us to cancel it" },
  };
  const reviewIntents: Record<string, Record<string, string>> = {
    assign: {},
    approve: { notes: "Looks fine to me after a call" },
    decline: { reason1: "credit_score_low", notes: "Declined after reading the file" },
    "approve-proposal": { proposalId: unknownId("dpr") },
    "reject-proposal": { proposalId: unknownId("dpr") },
    "withdraw-proposal": { proposalId: unknownId("dpr") },
  };

  return [
    // Rules: start from a version that does not exist or is not a number; edit, publish and
    // discard a draft that does not exist, by a malformed id, or the published version.
    rules({ intent: "start-draft", fromVersion: "999" }, "start-draft from an unknown version"),
    rules({ intent: "start-draft", fromVersion: "v1;" }, "start-draft from a malformed version"),
    rules({ intent: "discard", ruleSetId: unknownId("rs") }, "discard an unknown draft"),
    rules({ intent: "discard", ruleSetId: malformed }, "discard a malformed id"),
    rules(
      { intent: "discard", ruleSetId: publishedRuleSet.id },
      "discard the published version (stale)",
    ),
    ...ruleEdits.flatMap((intent) => [
      rules({ intent, ruleSetId: unknownId("rs"), version: "999", notes: "" }, `${intent} unknown`),
      rules({ intent, ruleSetId: malformed, version: "x", notes: "" }, `${intent} malformed`),
      rules(
        {
          intent,
          ruleSetId: publishedRuleSet.id,
          version: String(publishedRuleSet.version),
          notes: "",
        },
        `${intent} the published version (stale)`,
      ),
    ]),
    rules({ intent: "frobnicate" }, "an unknown intent"),
    // Pricing: the same walk.
    pricing({ intent: "start-draft", fromVersion: "999" }, "start-draft from an unknown version"),
    pricing({ intent: "start-draft", fromVersion: "x" }, "start-draft from a malformed version"),
    pricing({ intent: "discard", pricingId: unknownId("pr") }, "discard an unknown draft"),
    pricing({ intent: "discard", pricingId: malformed }, "discard a malformed id"),
    pricing(
      { intent: "discard", pricingId: publishedPricing.id },
      "discard the published version (stale)",
    ),
    ...["save", "validate", "publish"].flatMap((intent) => [
      pricing(pricingForm({ intent, pricingId: unknownId("pr") }), `${intent} unknown`),
      pricing(pricingForm({ intent, pricingId: malformed }), `${intent} malformed`),
      pricing(
        pricingForm({ intent, pricingId: publishedPricing.id }),
        `${intent} the published version (stale)`,
      ),
    ]),
    pricing({ intent: "frobnicate" }, "an unknown intent"),
    // Merchants: every intent on an unknown and a malformed merchant; keys and connections that
    // are not this merchant's; a key already revoked.
    ...Object.entries(merchantIntents).flatMap(([intent, form]) => [
      merchant(unknownId("mer"), { intent, ...form }, `${intent} on an unknown merchant`),
      merchant(malformed, { intent, ...form }, `${intent} on a malformed merchant id`),
    ]),
    merchant(
      () => merchantId,
      { intent: "rotate-key", keyId: unknownId("key"), overlapHours: "24" },
      "rotate an unknown key",
    ),
    merchant(
      () => merchantId,
      { intent: "revoke-key", keyId: malformed },
      "revoke a malformed key id",
    ),
    merchant(
      () => merchantId,
      { intent: "rotate-key", keyId: () => revokedKeyId, overlapHours: "24" },
      "rotate a revoked key (stale)",
    ),
    merchant(
      () => merchantId,
      { intent: "revoke-key", keyId: () => revokedKeyId },
      "revoke a revoked key (stale)",
    ),
    merchant(
      () => merchantId,
      { intent: "crm-verify", connectionId: unknownId("crm") },
      "verify an unknown connection",
    ),
    merchant(
      () => merchantId,
      { intent: "crm-disconnect", connectionId: malformed },
      "disconnect a malformed connection id",
    ),
    merchant(() => merchantId, { intent: "reactivate" }, "reactivate an active merchant (stale)"),
    merchant(() => merchantId, { intent: "frobnicate" }, "an unknown intent"),
    merchant(
      () => merchantId,
      { intent: "create-key", mode: "test", name: "", expiresInDays: "90" },
      "create-key without a name",
    ),
    merchant(
      () => merchantId,
      { intent: "create-key", mode: "test", name: "CRM", expiresInDays: "9999" },
      "create-key expiring out of bounds",
    ),
    // Users.
    ...Object.entries(userIntents).flatMap(([intent, form]) => [
      user(unknownId("opr"), { intent, ...form }, `${intent} on an unknown operator`),
      user(malformed, { intent, ...form }, `${intent} on a malformed operator id`),
    ]),
    user(() => admin.id, { intent: "frobnicate" }, "an unknown intent"),
    user(
      () => admin.id,
      { intent: "role", role: "admin" },
      "role the operator has already (stale)",
    ),
    user(() => admin.id, { intent: "reactivate" }, "reactivate an active operator (stale)"),
    // Applications.
    ...Object.entries(applicationIntents).flatMap(([intent, form]) => [
      application(unknownId("app"), { intent, ...form }, `${intent} on an unknown application`),
      application(malformed, { intent, ...form }, `${intent} on a malformed application id`),
    ]),
    // Reviews.
    ...Object.entries(reviewIntents).flatMap(([intent, form]) => [
      review(unknownId("rev"), { intent, ...form }, `${intent} on an unknown review`),
      review(malformed, { intent, ...form }, `${intent} on a malformed review id`),
    ]),
    // Jobs.
    ...["retry", "discard"].flatMap((intent) => [
      jobs({ intent, id: "987654321" }, `${intent} an unknown job`),
      jobs({ intent, id: "12abc" }, `${intent} a malformed job id`),
      jobs({ intent, id: () => String(pendingJobId) }, `${intent} a job that is not dead (stale)`),
    ]),
    jobs({ intent: "frobnicate", id: "1" }, "an unknown intent"),
  ];
}

function resolve(value: Lazy): string {
  return typeof value === "function" ? value() : value;
}

describe("FlowOps actions with unknown, malformed and stale ids", () => {
  it("answer 404, 409 or 422 with a message, never 500", async () => {
    const results: string[] = [];
    const bad: string[] = [];
    for (const c of cases()) {
      const params = Object.fromEntries(
        Object.entries(c.params ?? {}).map(([k, v]) => [k, resolve(v)]),
      );
      const form = Object.fromEntries(Object.entries(c.form).map(([k, v]) => [k, resolve(v)]));
      const path = c.path.replace(":id", encodeURIComponent(Object.values(params)[0] ?? ""));
      let got: { status: number; message: string };
      try {
        got = await outcome(await callOps(c.route, { path, params, form, cookie: admin.cookie }));
      } catch (error) {
        got = {
          status: 500,
          message: `threw ${(error as Error).name}: ${(error as Error).message}`,
        };
      }
      const allowed = c.statuses ?? [404, 409, 422];
      const line = `${got.status} ${c.name}: ${got.message.slice(0, 80)}`;
      results.push(line);
      if (!allowed.includes(got.status) || got.message.trim() === "") bad.push(line);
    }
    console.log(results.join("\n"));
    expect(bad).toEqual([]);
  });
});
