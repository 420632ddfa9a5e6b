import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  auditLogs,
  merchantApplications,
  merchantMemberships,
  merchantUsers,
  merchants,
  messages,
} from "~/db/schema/index";
import * as signupRoute from "~/app/routes/merchant.signup";
import * as queueRoute from "~/app/routes/ops.merchant-applications._index";
import * as reviewRoute from "~/app/routes/ops.merchant-applications.$applicationId";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  await appDatabase(); // migrated before the first route call
});

let n = 0;
const form = (overrides: Record<string, string> = {}) => {
  n += 1;
  return {
    legalName: `Bug Busters ${n} LLC`,
    dba: `Bug Busters ${n}`,
    ein: "12-3456789",
    industry: "pest_control",
    addressLine1: "1 Main St",
    city: "Austin",
    state: "TX",
    postalCode: "78701",
    expectedMonthlyVolume: "25,000",
    ownerName: "Pat Owner",
    ownerEmail: `owner${n}@bugbusters.example`,
    ownerPhone: "(512) 555-0123",
    routingNumber: "021000021",
    accountNumber: "000123456789",
    ...overrides,
  };
};

async function signUp(fields: Record<string, string>) {
  return callOps(signupRoute, { path: "/merchant/signup", form: fields });
}

async function applicationOf(email: string) {
  const database = await appDatabase();
  return database.db
    .select()
    .from(merchantApplications)
    .where(eq(merchantApplications.ownerEmail, email))
    .get();
}

describe("/merchant/signup (docs/product/merchants-and-money.md, Onboarding)", () => {
  it("stores a valid sign-up for review, the account number encrypted (only its last 4 in clear)", async () => {
    const fields = form();
    const result = await signUp(fields);
    expect(result).toBeInstanceOf(Response);
    expect((result as Response).headers.get("location")).toBe("/merchant/signup?sent=1");
    const row = await applicationOf(fields.ownerEmail);
    expect(row).toMatchObject({
      status: "pending",
      ein: "123456789",
      ownerPhone: "+15125550123",
      accountLast4: "6789",
      expectedMonthlyVolumeCents: 2_500_000,
    });
    const database = await appDatabase();
    const dump = await database.client.execute("SELECT * FROM merchant_applications");
    expect(JSON.stringify(dump.rows)).not.toContain("000123456789");
    const mail = await database.db
      .select()
      .from(messages)
      .where(eq(messages.recipient, fields.ownerEmail))
      .all();
    expect(mail.map((m) => m.template)).toEqual(["merchant_application_received"]);
  });

  it("answers every invalid field with its own message and never echoes the account number", async () => {
    const result = (await signUp(
      form({
        ein: "07-1234567",
        routingNumber: "123456789",
        ownerEmail: "not-an-address",
        state: "",
        accountNumber: "12",
      }),
    )) as Json;
    expect(result.status).toBe("error");
    expect(Object.keys(result.error).sort()).toEqual(
      ["accountNumber", "ein", "ownerEmail", "routingNumber", "state"].sort(),
    );
    expect(result.error.routingNumber[0]).toMatch(/routing number/);
    expect(JSON.stringify(result)).not.toContain('"12"');
  });

  it("refuses a post from another origin", async () => {
    const result = await callOps(signupRoute, {
      path: "/merchant/signup",
      form: form(),
      origin: "https://evil.example",
    });
    expect(statusOf(result)).toBe(403);
  });
});

describe("FlowOps merchant applications queue", () => {
  it("an admin approves with a plan and funding mode: merchant created, owner invited and e-mailed, audited", async () => {
    const fields = form();
    await signUp(fields);
    const app = (await applicationOf(fields.ownerEmail))!;
    const admin = await signedInOperator("admin");
    const queue = (await callOps(queueRoute, {
      path: "/ops/merchant-applications",
      cookie: admin.cookie,
    })) as Json;
    expect(queue.pending.map((a: Json) => a.id)).toContain(app.id);
    const page = (await callOps(reviewRoute, {
      path: `/ops/merchant-applications/${app.id}`,
      params: { applicationId: app.id },
      cookie: admin.cookie,
    })) as Json;
    expect(page.application.bank).toBe("routing 021000021, account •••••6789");
    expect(JSON.stringify(page)).not.toContain("000123456789");

    const approved = await callOps(reviewRoute, {
      path: `/ops/merchant-applications/${app.id}`,
      params: { applicationId: app.id },
      cookie: admin.cookie,
      form: { intent: "approve", pricingPlan: page.plans[0], fundingMode: "on_signature" },
    });
    expect(statusOf(approved)).toBe(302);
    const database = await appDatabase();
    const after = (await applicationOf(fields.ownerEmail))!;
    expect(after.status).toBe("approved");
    const merchant = await database.db
      .select()
      .from(merchants)
      .where(eq(merchants.id, after.merchantId!))
      .get();
    expect(merchant).toMatchObject({
      name: fields.dba,
      fundingMode: "on_signature",
      disbursementAccountLast4: "6789",
      status: "active",
    });
    const owner = await database.db
      .select({ role: merchantMemberships.role, email: merchantUsers.email })
      .from(merchantMemberships)
      .innerJoin(merchantUsers, eq(merchantUsers.id, merchantMemberships.userId))
      .where(eq(merchantMemberships.merchantId, merchant!.id))
      .all();
    expect(owner).toEqual([{ role: "owner", email: fields.ownerEmail }]);
    const mail = await database.db
      .select({ template: messages.template })
      .from(messages)
      .where(eq(messages.recipient, fields.ownerEmail))
      .all();
    expect(mail).toHaveLength(2); // received + the sign-in link
    const audits = await database.db
      .select({ action: auditLogs.action })
      .from(auditLogs)
      .where(eq(auditLogs.entityId, app.id))
      .all();
    expect(audits.map((a) => a.action)).toContain("merchant_application.approved");

    // A second approval (double click, second tab) changes nothing.
    const again = await callOps(reviewRoute, {
      path: `/ops/merchant-applications/${app.id}`,
      params: { applicationId: app.id },
      cookie: admin.cookie,
      form: { intent: "approve", pricingPlan: page.plans[0], fundingMode: "on_completion" },
    });
    expect(statusOf(again)).toBe(409);
    const count = await database.db
      .select({ id: merchants.id })
      .from(merchants)
      .where(eq(merchants.name, fields.dba))
      .all();
    expect(count).toHaveLength(1);
  });

  it("declines with a reason (audited, owner told without it); needs a reason; support cannot review", async () => {
    const fields = form();
    await signUp(fields);
    const app = (await applicationOf(fields.ownerEmail))!;
    const support = await signedInOperator("support");
    const refused = await callOps(reviewRoute, {
      path: `/ops/merchant-applications/${app.id}`,
      params: { applicationId: app.id },
      cookie: support.cookie,
      form: { intent: "decline", reason: "Not a home-service business" },
    });
    expect(statusOf(refused)).toBe(403);
    const admin = await signedInOperator("admin");
    const noReason = (await callOps(reviewRoute, {
      path: `/ops/merchant-applications/${app.id}`,
      params: { applicationId: app.id },
      cookie: admin.cookie,
      form: { intent: "decline", reason: "" },
    })) as Json;
    expect(statusOf(noReason)).toBe(422);
    expect(noReason.errors.reason).toMatch(/Say why/);
    const declined = await callOps(reviewRoute, {
      path: `/ops/merchant-applications/${app.id}`,
      params: { applicationId: app.id },
      cookie: admin.cookie,
      form: { intent: "decline", reason: "Not a home-service business" },
    });
    expect(statusOf(declined)).toBe(302);
    const after = (await applicationOf(fields.ownerEmail))!;
    expect(after).toMatchObject({
      status: "declined",
      declineReason: "Not a home-service business",
    });
    const database = await appDatabase();
    const mail = await database.db
      .select({ template: messages.template })
      .from(messages)
      .where(eq(messages.recipient, fields.ownerEmail))
      .all();
    expect(mail.map((m) => m.template)).toContain("merchant_application_declined");
  });
});
