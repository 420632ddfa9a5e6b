import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { callOps, statusOf } from "~/scripts/testing/ops-harness";
import { desc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Tx } from "~/db/client";
import { newId } from "~/db/ids";
import {
  applications,
  auditLogs,
  crmConnections,
  ledgerEntries,
  loans,
  merchantMemberships,
  merchantUsers,
  messages,
  refunds,
} from "~/db/schema/index";
import { currentTotp } from "~/app/security/totp.server";
import * as overviewRoute from "~/app/routes/merchant._index";
import * as apiKeysRoute from "~/app/routes/merchant.api-keys";
import * as applicationRoute from "~/app/routes/merchant.applications.$applicationId";
import * as applicationsRoute from "~/app/routes/merchant.applications._index";
import * as crmRoute from "~/app/routes/merchant.crm";
import * as linkRoute from "~/app/routes/merchant.link";
import * as loginRoute from "~/app/routes/merchant.login";
import * as securityRoute from "~/app/routes/merchant.security";
import * as sendRoute from "~/app/routes/merchant.send";
import * as switchRoute from "~/app/routes/merchant.switch";
import * as verifyRoute from "~/app/routes/merchant.verify";
import * as teamRoute from "~/app/routes/merchant.team";
import * as payoutsRoute from "~/app/routes/merchant.payouts";
import * as statementsRoute from "~/app/routes/merchant.statements.$file";
import { disbursementTransaction, payoutTransaction } from "~/app/lending/ledger";
import { appendLedgerTransaction } from "~/app/lending/ledger.server";
import { completeRefund } from "~/app/lending/refunds.server";
import { signedApplication } from "~/app/lending/test-helpers";
import { emailContent } from "~/app/messaging/email.server";
import type { MerchantRole } from "./permissions";
import { portalScope } from "./scope.server";
import { sendFinancingLink } from "./send-link.server";
import { sessionCookieHeader } from "./session.server";
import { consumeSignInLink, requestSignInLink } from "./sign-in.server";
import { inviteMerchantUser } from "./users.server";

const client = { ip: "203.0.113.9", userAgent: "vitest" };
let counter = 0;

/** A merchant user of `merchantId` with a signed-in session, by the real invitation link. */
async function signedInUser(merchantId: string, role: MerchantRole) {
  const database = await appDatabase();
  const email = `${role}.${++counter}.${Date.now().toString(36)}@example.com`;
  const invited = await inviteMerchantUser(database, {
    merchantId,
    email,
    role,
    invitedBy: "system",
  });
  const row = await database.db
    .select()
    .from(messages)
    .where(eq(messages.recipient, email))
    .orderBy(desc(messages.createdAt))
    .get();
  const token = /token=([\w-]+)/.exec(emailContent(row!.bodyEnc).text)![1]!;
  const signed = await consumeSignInLink(database, token, client);
  const cookie = (await sessionCookieHeader(signed!.sessionId)).split(";")[0]!;
  return { ...invited, email, cookie };
}

/** Every row of every table but the sessions' (their last-seen time moves on each request). */
async function snapshot() {
  const database = await appDatabase();
  const tables = await database.db.all<{ name: string }>(
    sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' AND name <> 'merchant_sessions' ORDER BY name`,
  );
  const dump: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    dump[name] = await database.db.all(sql.raw(`SELECT * FROM "${name}" ORDER BY 1`));
  }
  return dump;
}

const sendForm = {
  firstName: "Avery",
  lastName: "Quinlan",
  phone: "(512) 555-0199",
  amount: "4,200",
  channel: "sms",
  asked: "yes",
};

describe("tenant isolation (docs/product/merchants-and-money.md: every portal route as another merchant's user → 404)", () => {
  let a: Awaited<ReturnType<typeof createMerchant>>;
  let b: Awaited<ReturnType<typeof createMerchant>>;
  let ownerA: Awaited<ReturnType<typeof signedInUser>>;
  let staffA: Awaited<ReturnType<typeof signedInUser>>;
  let ownerB: Awaited<ReturnType<typeof signedInUser>>;
  let applicationA: string;

  beforeAll(async () => {
    const database = await appDatabase();
    a = await createMerchant({ name: "Alpha Termite" });
    b = await createMerchant({ name: "Bravo Plumbing" });
    ownerA = await signedInUser(a.id, "owner");
    staffA = await signedInUser(a.id, "staff");
    ownerB = await signedInUser(b.id, "owner");
    const sent = await sendFinancingLink(
      database,
      { scope: portalScope(a.id), userId: ownerA.userId, client },
      {
        firstName: "Avery",
        lastName: "Quinlan",
        phone: "+15125550199",
        email: undefined,
        kind: "financing",
        amount: 420_000,
        channel: "sms",
        asked: "yes",
      },
    );
    if (!sent.ok) throw new Error(sent.message);
    applicationA = sent.applicationId!;
    await database.write((tx) =>
      tx.insert(crmConnections).values({
        id: newId("crm"),
        merchantId: a.id,
        crm: "jobber",
        authKind: "oauth",
        status: "connected",
        subdomain: "alpha-termite",
      }),
    );
  });

  it("A's owner sees A's application; B's owner gets 404 for every A id and nothing changes", async () => {
    const own = await callOps(applicationRoute, {
      path: `/merchant/applications/${applicationA}`,
      params: { applicationId: applicationA },
      cookie: ownerA.cookie,
    });
    expect(statusOf(own)).toBe(200);
    expect(JSON.stringify(own)).toContain("Avery Quinlan");

    // The security page stores B's own pending TOTP secret on first visit: visit it once first.
    await callOps(securityRoute, { path: "/merchant/security", cookie: ownerB.cookie });
    const before = await snapshot();
    const staffMembership = staffA.membershipId;
    const attempts: [string, Promise<unknown>][] = [
      [
        "GET application",
        callOps(applicationRoute, {
          path: `/merchant/applications/${applicationA}`,
          params: { applicationId: applicationA },
          cookie: ownerB.cookie,
        }),
      ],
      [
        "change role",
        callOps(teamRoute, {
          path: "/merchant/team",
          cookie: ownerB.cookie,
          form: { intent: "role", membershipId: staffMembership, role: "owner" },
        }),
      ],
      [
        "remove member",
        callOps(teamRoute, {
          path: "/merchant/team",
          cookie: ownerB.cookie,
          form: { intent: "remove", membershipId: ownerA.membershipId },
        }),
      ],
      [
        "rotate key",
        callOps(apiKeysRoute, {
          path: "/merchant/api-keys",
          cookie: ownerB.cookie,
          form: { intent: "rotate", keyId: a.keyId },
        }),
      ],
      [
        "revoke key",
        callOps(apiKeysRoute, {
          path: "/merchant/api-keys",
          cookie: ownerB.cookie,
          form: { intent: "revoke", keyId: a.keyId },
        }),
      ],
      [
        "switch merchant",
        callOps(switchRoute, {
          path: "/merchant/switch",
          cookie: ownerB.cookie,
          form: { merchantId: a.id },
        }),
      ],
    ];
    for (const [name, attempt] of attempts) {
      expect([name, statusOf(await attempt)]).toEqual([name, 404]);
    }

    // Screens without ids show B's data only: nothing of A's.
    const lists = [
      await callOps(overviewRoute, { path: "/merchant", cookie: ownerB.cookie }),
      await callOps(applicationsRoute, {
        path: `/merchant/applications?q=${applicationA}`,
        cookie: ownerB.cookie,
      }),
      await callOps(applicationsRoute, { path: "/merchant/applications", cookie: ownerB.cookie }),
      await callOps(teamRoute, { path: "/merchant/team", cookie: ownerB.cookie }),
      await callOps(apiKeysRoute, { path: "/merchant/api-keys", cookie: ownerB.cookie }),
      await callOps(crmRoute, { path: "/merchant/crm", cookie: ownerB.cookie }),
      await callOps(sendRoute, { path: "/merchant/send", cookie: ownerB.cookie }),
      await callOps(securityRoute, { path: "/merchant/security", cookie: ownerB.cookie }),
    ];
    for (const page of lists) {
      expect(statusOf(page)).toBe(200);
      // (The search box shows back what was searched for: that is not A's data.)
      const text = JSON.stringify({ ...(page as object), q: null });
      for (const secret of [applicationA, "Avery", "Alpha Termite", ownerA.email, staffA.email]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toContain("alpha-termite");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("roles are enforced in one table: staff and managers cannot manage the team, staff not API keys", async () => {
    const managerA = await signedInUser(a.id, "manager");
    const denied = [
      await callOps(teamRoute, { path: "/merchant/team", cookie: staffA.cookie }),
      await callOps(teamRoute, { path: "/merchant/team", cookie: managerA.cookie }),
      await callOps(apiKeysRoute, { path: "/merchant/api-keys", cookie: staffA.cookie }),
      await callOps(crmRoute, { path: "/merchant/crm", cookie: staffA.cookie }),
      await callOps(teamRoute, {
        path: "/merchant/team",
        cookie: staffA.cookie,
        form: { intent: "role", membershipId: staffA.membershipId, role: "owner" },
      }),
    ];
    expect(denied.map(statusOf)).toEqual([403, 403, 403, 403, 403]);
    const database = await appDatabase();
    const membership = await database.db.query.merchantMemberships.findFirst({
      where: eq(merchantMemberships.id, staffA.membershipId),
    });
    expect(membership?.role).toBe("staff");
    expect(
      statusOf(
        await callOps(apiKeysRoute, { path: "/merchant/api-keys", cookie: managerA.cookie }),
      ),
    ).toBe(200);
  });

  it("revoking a key asks first, saying what will happen, and revokes only when confirmed", async () => {
    const post = (form: Record<string, string>) =>
      callOps(apiKeysRoute, { path: "/merchant/api-keys", cookie: ownerA.cookie, form });
    const unnamed = await post({ intent: "create", name: " ", mode: "test" });
    expect(statusOf(unnamed)).toBe(422);
    expect((unnamed as { result: { error: Record<string, string[]> } }).result.error).toEqual({
      name: ["Name the key (e.g. the CRM it is for)"],
    });
    await post({ intent: "create", name: "Old CRM", mode: "test" });
    const listed = async () =>
      (
        (await callOps(apiKeysRoute, { path: "/merchant/api-keys", cookie: ownerA.cookie })) as {
          keys: { id: string; name: string; state: string }[];
        }
      ).keys.find((k) => k.name === "Old CRM")!;
    const key = await listed();
    const asked = (await post({ intent: "revoke", keyId: key.id })) as {
      confirm: { keyId: string; name: string } | null;
    };
    expect(asked.confirm).toMatchObject({ keyId: key.id, name: "Old CRM" });
    expect((await listed()).state).toBe("active");
    await post({ intent: "revoke", keyId: key.id, confirm: "yes" });
    expect((await listed()).state).toBe("revoked");
  });

  it("a staff user sends a link from the form and it is in A's list", async () => {
    const sent = (await callOps(sendRoute, {
      path: "/merchant/send",
      cookie: staffA.cookie,
      form: { ...sendForm, firstName: "Robin", lastName: "Staffsent" },
    })) as { sent: { applicationId: string; delivery: string } | null };
    expect(sent.sent?.delivery).toBe("text_queued");
    const list = await callOps(applicationsRoute, {
      path: "/merchant/applications?q=Staffsent",
      cookie: staffA.cookie,
    });
    expect(JSON.stringify(list)).toContain(sent.sent!.applicationId);
    const refused = (await callOps(sendRoute, {
      path: "/merchant/send",
      cookie: staffA.cookie,
      form: { ...sendForm, asked: "" },
    })) as { errors: Record<string, string> };
    expect(refused.errors.asked).toMatch(/asked/);
  });

  it("a prequalification link goes by e-mail through the API's prequalification intake", async () => {
    const database = await appDatabase();
    const email = `pq.${Date.now().toString(36)}@example.com`;
    const sent = (await callOps(sendRoute, {
      path: "/merchant/send",
      cookie: staffA.cookie,
      form: { ...sendForm, kind: "prequalification", amount: "", channel: "email", email },
    })) as { sent: { applicationId: string | null; delivery: string } | null };
    expect(sent.sent).toEqual({ ok: true, applicationId: null, delivery: "email_queued" });
    const mail = await database.db
      .select()
      .from(messages)
      .where(eq(messages.recipient, email))
      .get();
    expect(mail?.template).toBe("portal_prequal_link");
    expect(emailContent(mail!.bodyEnc).text).toMatch(/\/prequal\//);
    const created = await database.db.all<{ crm: string; merchant_id: string }>(
      sql`SELECT crm, merchant_id FROM prequalifications ORDER BY created_at DESC LIMIT 1`,
    );
    expect(created[0]).toEqual({ crm: "portal", merchant_id: a.id });
  });

  it("a suspended merchant's users cannot send links", async () => {
    const suspended = await createMerchant({ status: "suspended" });
    const user = await signedInUser(suspended.id, "owner");
    const refused = (await callOps(sendRoute, {
      path: "/merchant/send",
      cookie: user.cookie,
      form: sendForm,
    })) as { errors: Record<string, string>; sent: unknown };
    expect(refused.sent).toBeNull();
    expect(refused.errors.form).toMatch(/suspended/);
  });

  it("a cross-site post is refused (ADR 022) and the owner cannot remove the last owner", async () => {
    const crossSite = await callOps(teamRoute, {
      path: "/merchant/team",
      cookie: ownerA.cookie,
      form: { intent: "remove", membershipId: staffA.membershipId },
      origin: "https://evil.example",
    });
    expect(statusOf(crossSite)).toBe(403);
    const noOrigin = await callOps(teamRoute, {
      path: "/merchant/team",
      cookie: ownerA.cookie,
      form: { intent: "remove", membershipId: staffA.membershipId },
      origin: null,
    });
    expect(statusOf(noOrigin)).toBe(403);
    const last = (await callOps(teamRoute, {
      path: "/merchant/team",
      cookie: ownerA.cookie,
      form: { intent: "remove", membershipId: ownerA.membershipId },
    })) as { error: string | null };
    expect(last.error).toMatch(/keeps an owner/);
  });
});

describe("sign-in routes", () => {
  it("answer the same for an unknown address, and the link's `next` stays under /merchant (ADR 020)", async () => {
    const known = await createMerchant();
    const user = await signedInUser(known.id, "staff");
    const asKnown = await callOps(loginRoute, {
      path: "/merchant/login",
      form: { email: user.email },
    });
    const asUnknown = await callOps(loginRoute, {
      path: "/merchant/login",
      form: { email: `nobody.${Date.now()}@example.com` },
    });
    expect(asUnknown).toEqual(asKnown);
    expect(asKnown).toEqual({ sent: true, error: null });

    const database = await appDatabase();
    const row = await database.db
      .select()
      .from(messages)
      .where(eq(messages.recipient, user.email))
      .orderBy(desc(messages.createdAt))
      .get();
    const token = /token=([\w-]+)/.exec(emailContent(row!.bodyEnc).text)![1]!;
    const redirected = (await callOps(linkRoute, {
      path: "/merchant/link",
      form: { token, next: "/merchant/..//evil.example" },
    })) as Response;
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get("location")).toBe("/merchant");
    const cookie = redirected.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // Used once: the same token again is refused.
    const again = await callOps(linkRoute, { path: "/merchant/link", form: { token } });
    expect(again).toEqual({ error: true });
    // Signed out users go to the login page, with where they were going.
    const anonymous = (await callOps(overviewRoute, { path: "/merchant/team" })) as Response;
    expect(anonymous.headers.get("location")).toBe("/merchant/login?next=%2Fmerchant%2Fteam");
  });
});

describe("optional TOTP (ADR 059)", () => {
  /** The token of the newest link e-mailed to `email`. */
  async function newestToken(email: string) {
    const database = await appDatabase();
    const row = await database.db
      .select()
      .from(messages)
      .where(eq(messages.recipient, email))
      .orderBy(desc(messages.createdAt))
      .get();
    return /token=([\w-]+)/.exec(emailContent(row!.bodyEnc).text)![1]!;
  }

  /** Test setup: forget the last accepted step, so the current code counts as new (no replay here). */
  async function forgetLastStep(userId: string) {
    const database = await appDatabase();
    await database.write((tx) =>
      tx.update(merchantUsers).set({ totpLastStep: null }).where(eq(merchantUsers.id, userId)),
    );
  }

  it("once on, a link opens only the code step; five wrong codes end it; a right code signs in", async () => {
    const merchant = await createMerchant();
    const user = await signedInUser(merchant.id, "manager");
    const page = (await callOps(securityRoute, {
      path: "/merchant/security",
      cookie: user.cookie,
    })) as { enrollment: { secret: string } };
    const secret = page.enrollment.secret;
    const enabled = await callOps(securityRoute, {
      path: "/merchant/security",
      cookie: user.cookie,
      form: { code: await currentTotp(secret) },
    });
    expect(enabled).toEqual({ error: null, enabled: true });

    const database = await appDatabase();
    const signIn = async () => {
      await requestSignInLink(database, user.email, { ...client, ip: `198.51.100.${++counter}` });
      const answer = (await callOps(linkRoute, {
        path: "/merchant/link",
        form: { token: await newestToken(user.email), next: "/merchant/team" },
      })) as Response;
      expect(answer.headers.get("location")).toBe("/merchant/verify?next=%2Fmerchant%2Fteam");
      return answer.headers.get("set-cookie")!.split(";")[0]!;
    };

    const pending = await signIn();
    // The pending session opens nothing but the code step.
    const blocked = (await callOps(overviewRoute, {
      path: "/merchant",
      cookie: pending,
    })) as Response;
    expect(blocked.headers.get("location")).toBe("/merchant/verify?next=%2Fmerchant");
    for (let i = 1; i <= 4; i++) {
      const wrong = await callOps(verifyRoute, {
        path: "/merchant/verify",
        cookie: pending,
        form: { code: "000000" },
      });
      expect(wrong).toMatchObject({ error: expect.stringMatching(/not right/) });
    }
    const fifth = (await callOps(verifyRoute, {
      path: "/merchant/verify",
      cookie: pending,
      form: { code: "000000" },
    })) as Response;
    expect(fifth.headers.get("location")).toBe("/merchant/login?reason=ended");
    await forgetLastStep(user.userId);
    const afterEnd = await callOps(verifyRoute, {
      path: "/merchant/verify",
      cookie: pending,
      form: { code: await currentTotp(secret) },
    });
    expect(statusOf(afterEnd)).toBe(302);
    expect((afterEnd as Response).headers.get("location")).toMatch(/^\/merchant\/login/);

    const second = await signIn();
    await forgetLastStep(user.userId);
    const ok = (await callOps(verifyRoute, {
      path: "/merchant/verify?next=%2Fmerchant%2Fteam",
      cookie: second,
      form: { code: await currentTotp(secret) },
    })) as Response;
    expect(ok.headers.get("location")).toBe("/merchant/team");
    expect(statusOf(await callOps(overviewRoute, { path: "/merchant", cookie: second }))).toBe(200);
  });
});

describe('money from the portal (docs/product/merchants-and-money.md, "Money after the signature" and "The merchant portal")', () => {
  let m: Awaited<ReturnType<typeof createMerchant>>;
  let other: Awaited<ReturnType<typeof createMerchant>>;
  let owner: Awaited<ReturnType<typeof signedInUser>>;
  let staff: Awaited<ReturnType<typeof signedInUser>>;
  let otherOwner: Awaited<ReturnType<typeof signedInUser>>;
  let funded: { applicationId: string; loanId: string };
  let n = 0;

  /**
   * A $7,500 loan (3 % fee) for a signed application, in `status` with its application, as the
   * create-loan job (and, funded, the lender's loan.funded) leave it.
   */
  async function putLoan(
    tx: Tx,
    merchantId: string,
    signed: Awaited<ReturnType<typeof signedApplication>>,
    loanId: string,
    status: "funded" | "awaiting_completion",
    fundedAt: Date | null,
  ) {
    await tx.insert(loans).values({
      id: loanId,
      applicationId: signed.applicationId,
      offerId: signed.offer.id,
      merchantId,
      lender: "mock",
      status,
      principalCents: 750_000,
      amountCents: 750_000,
      merchantFeeCents: 22_500,
      disbursementCents: 727_500,
      fundedAmountCents: fundedAt ? 727_500 : null,
      fundedAt,
      paymentSchedule: [],
    });
    await tx.update(applications).set({ status }).where(eq(applications.id, signed.applicationId));
  }

  /** Signed through the real path, then funded as the create-loan job and the lender leave it. */
  async function fundedApplication(merchant: typeof m, fundedAt: Date) {
    const database = await appDatabase();
    n += 1;
    const signed = await signedApplication(merchant.key, {
      crmCustomerId: `PM-${n}-${Date.now()}`,
      crmJobId: `PM-JOB-${n}-${Date.now()}`,
    });
    const loanId = newId("loan");
    await database.write(async (tx) => {
      await putLoan(tx, merchant.id, signed, loanId, "funded", fundedAt);
      await appendLedgerTransaction(
        tx,
        disbursementTransaction({
          loanId,
          merchantId: merchant.id,
          lender: "mock",
          amountCents: 750_000,
          merchantFeeCents: 22_500,
        }),
        { now: fundedAt, sourceKey: `test-fund:${loanId}` },
      );
    });
    return { applicationId: signed.applicationId, loanId };
  }

  const page = (cookie: string, id: string, form?: Record<string, string>) =>
    callOps(applicationRoute, {
      path: `/merchant/applications/${id}`,
      params: { applicationId: id },
      cookie,
      form,
    });

  beforeAll(async () => {
    const database = await appDatabase();
    m = await createMerchant({ name: "Money Pest Control", merchantFeeBps: 300 });
    other = await createMerchant({ name: "Elsewhere Roofing" });
    owner = await signedInUser(m.id, "owner");
    staff = await signedInUser(m.id, "staff");
    otherOwner = await signedInUser(other.id, "owner");
    funded = await fundedApplication(m, new Date("2026-10-05T15:00:00Z"));
    await database.write((tx) =>
      appendLedgerTransaction(tx, payoutTransaction({ merchantId: m.id, amountCents: 700_000 }), {
        now: new Date("2026-10-07T00:00:00Z"),
        sourceKey: `test-payout:${m.id}`,
      }),
    );
  });

  it("the owner refunds part of a funded loan once, even when the form is sent twice; the payouts page shows the clawback", async () => {
    const database = await appDatabase();
    const shown = (await page(owner.cookie, funded.applicationId)) as {
      actions: string[];
      refundKey: string;
    };
    expect(shown.actions).toEqual(["refund"]);
    const form = {
      intent: "refund",
      amount: "1,000.00",
      reason: "Part of the job was not done",
      idempotencyKey: shown.refundKey,
    };
    const first = (await page(owner.cookie, funded.applicationId, form)) as { notice: string };
    expect(first.notice).toMatch(/Refund of \$1,000\.00 requested/);
    const twice = (await page(owner.cookie, funded.applicationId, form)) as { notice: string };
    expect(twice.notice).toMatch(/already requested/);
    const rows = await database.db
      .select()
      .from(refunds)
      .where(eq(refunds.applicationId, funded.applicationId));
    expect(rows.map((r) => r.amountCents)).toEqual([100_000]);
    const audit = await database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, "refund.requested"))
      .orderBy(desc(auditLogs.id))
      .get();
    expect([audit?.actorType, audit?.actorId]).toEqual(["merchant_user", owner.userId]);

    // More than is left is refused on the amount field, in dollars.
    const tooMuch = (await page(owner.cookie, funded.applicationId, {
      ...form,
      amount: "7,000",
      idempotencyKey: `portal-${crypto.randomUUID()}`,
    })) as { refused: { field: string; message: string } };
    expect(tooMuch.refused).toMatchObject({
      intent: "refund",
      field: "amount",
      message: "That is more than the $6,500.00 left to refund on this loan",
    });

    // The lender confirms: partially refunded, and the clawback is on the payouts page.
    await completeRefund(database, rows[0]!.id);
    const after = await database.db
      .select({ status: applications.status })
      .from(applications)
      .where(eq(applications.id, funded.applicationId))
      .get();
    expect(after?.status).toBe("partially_refunded");
    const payouts = (await callOps(payoutsRoute, {
      path: "/merchant/payouts",
      cookie: owner.cookie,
    })) as {
      clawbacks: {
        applicationId: string;
        refundedCents: number;
        clawbackCents: number;
        nettedOn: string | null;
      }[];
    };
    expect(payouts.clawbacks).toEqual([
      expect.objectContaining({
        applicationId: funded.applicationId,
        refundedCents: 100_000,
        clawbackCents: 100_000 - 3_000,
        nettedOn: null,
      }),
    ]);
  });

  it("the statement CSV of a seeded month closes on the ledger's balance, and its net column adds up to the month's ledger lines", async () => {
    const database = await appDatabase();
    const csv = (await callOps(statementsRoute, {
      path: "/merchant/statements/2026-10.csv",
      params: { file: "2026-10.csv" },
      cookie: owner.cookie,
    })) as Response;
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toContain(`-2026-10.csv`);
    const rows = (await csv.text())
      .trimEnd()
      .split("\r\n")
      .map((line) => line.split(","));
    const header = rows[0]!;
    const col = (name: string) => header.indexOf(name);
    const cents = (v: string) => Math.round(Number(v) * 100);
    const entries = rows
      .slice(1)
      .filter((r) => !["opening_balance", "closing_balance"].includes(r[col("type")]!));
    expect(entries.map((r) => r[col("type")])).toEqual(["disbursement", "payout"]);
    const account = `merchant:${m.id}`;
    const ledger = async (from: string | null, to: string) =>
      (
        await database.db
          .select({ total: sql<number>`coalesce(sum(${ledgerEntries.amountCents}), 0)` })
          .from(ledgerEntries)
          .where(
            sql`${ledgerEntries.account} = ${account} and ${ledgerEntries.createdAt} < ${new Date(to).getTime()} ${from ? sql`and ${ledgerEntries.createdAt} >= ${new Date(from).getTime()}` : sql``}`,
          )
          .get()
      )?.total ?? 0;
    // The ledger stores what we owe the merchant as a credit (negative) on its account.
    const monthNet = -Number(await ledger("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"));
    const closing = -Number(await ledger(null, "2026-11-01T00:00:00Z"));
    expect(entries.reduce((sum, r) => sum + cents(r[col("net")]!), 0)).toBe(monthNet);
    expect(cents(rows.at(-1)![col("balance")]!)).toBe(closing);
    expect(closing).toBe(727_500 - 700_000);
    // The PDF of the same month, and a malformed name is not found.
    const pdf = (await callOps(statementsRoute, {
      path: "/merchant/statements/2026-10.pdf",
      params: { file: "2026-10.pdf" },
      cookie: owner.cookie,
    })) as Response;
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
    const bad = await callOps(statementsRoute, {
      path: "/merchant/statements/2026-13.csv",
      params: { file: "2026-13.csv" },
      cookie: owner.cookie,
    });
    expect(statusOf(bad)).toBe(404);
  });

  it("staff may mark a job complete but not refund, change amounts, cancel or see payouts (403)", async () => {
    const shown = (await page(staff.cookie, funded.applicationId)) as { actions: string[] };
    expect(shown.actions).toEqual([]);
    const before = await snapshot();
    const denied = [
      await page(staff.cookie, funded.applicationId, {
        intent: "refund",
        amount: "10",
        reason: "x",
        idempotencyKey: `portal-${crypto.randomUUID()}`,
      }),
      await page(staff.cookie, funded.applicationId, { intent: "amount", amount: "10" }),
      await page(staff.cookie, funded.applicationId, { intent: "cancel", reason: "x" }),
      await callOps(payoutsRoute, { path: "/merchant/payouts", cookie: staff.cookie }),
      await callOps(statementsRoute, {
        path: "/merchant/statements/2026-10.csv",
        params: { file: "2026-10.csv" },
        cookie: staff.cookie,
      }),
    ];
    expect(denied.map(statusOf)).toEqual([403, 403, 403, 403, 403]);
    // The refusals are audited (access.denied); nothing else changed.
    const after = await snapshot();
    expect({ ...after, audit_logs: null }).toEqual({ ...before, audit_logs: null });
    const manager = await signedInUser(m.id, "manager");
    expect(
      statusOf(await callOps(payoutsRoute, { path: "/merchant/payouts", cookie: manager.cookie })),
    ).toBe(200);
    // Marking complete is staff's, and a funded loan is refused in plain words, nothing written.
    const complete = (await page(staff.cookie, funded.applicationId, { intent: "complete" })) as {
      refused: { message: string };
    };
    expect(complete.refused.message).toMatch(
      /partially refunded; only an application awaiting completion/,
    );
  });

  it("staff marks a job awaiting completion complete (once); the owner changes a signed amount and the customer signs again", async () => {
    const database = await appDatabase();
    const waiting = await signedApplication(m.key, {
      crmCustomerId: `PM-W-${Date.now()}`,
      crmJobId: `PM-W-JOB-${Date.now()}`,
    });
    const loanId = newId("loan");
    await database.write(async (tx) => {
      await putLoan(tx, m.id, waiting, loanId, "awaiting_completion", null);
    });
    const shown = (await page(staff.cookie, waiting.applicationId)) as { actions: string[] };
    expect(shown.actions).toEqual(["complete"]);
    const done = (await page(staff.cookie, waiting.applicationId, { intent: "complete" })) as {
      notice: string;
    };
    expect(done.notice).toMatch(/^Marked complete/);
    const again = (await page(staff.cookie, waiting.applicationId, { intent: "complete" })) as {
      notice: string;
    };
    expect(again.notice).toMatch(/already marked complete/);
    const loan = await database.db.select().from(loans).where(eq(loans.id, loanId)).get();
    expect(loan?.completionMarkedAt).toBeInstanceOf(Date);

    const signed = await signedApplication(m.key, {
      crmCustomerId: `PM-A-${Date.now()}`,
      crmJobId: `PM-A-JOB-${Date.now()}`,
    });
    const ownerView = (await page(owner.cookie, signed.applicationId)) as { actions: string[] };
    expect(ownerView.actions).toEqual(["amount", "cancel"]);
    const changed = (await page(owner.cookie, signed.applicationId, {
      intent: "amount",
      amount: "6,000",
    })) as { notice: string };
    expect(changed.notice).toBe(
      "Amount changed to $6,000.00. The customer signs again for the new amount.",
    );
    const row = await database.db
      .select({ amountCents: applications.amountCents, status: applications.status })
      .from(applications)
      .where(eq(applications.id, signed.applicationId))
      .get();
    expect(row).toEqual({ amountCents: 600_000, status: "approved" });
  });

  it("cancel needs a reason and records it; a change of amount before a decision is refused on the field", async () => {
    const database = await appDatabase();
    const sent = await sendFinancingLink(
      database,
      { scope: portalScope(m.id), userId: owner.userId, client },
      {
        firstName: "Casey",
        lastName: "Cancel",
        phone: "+15125550177",
        email: undefined,
        kind: "financing",
        amount: 90_000,
        channel: "sms",
        asked: "yes",
      },
    );
    if (!sent.ok) throw new Error(sent.message);
    const id = sent.applicationId!;
    const noReason = (await page(owner.cookie, id, { intent: "cancel", reason: " " })) as {
      refused: { field: string; message: string };
    };
    expect(noReason.refused).toMatchObject({
      field: "reason",
      message: "Say why the financing is canceled",
    });
    const amount = (await page(owner.cookie, id, { intent: "amount", amount: "1,200" })) as {
      refused: { field: string; message: string };
    };
    expect(amount.refused.field).toBe("amount");
    expect(amount.refused.message).toMatch(/link sent cannot change/);
    const canceled = (await page(owner.cookie, id, {
      intent: "cancel",
      reason: "Customer paid cash",
    })) as {
      notice: string;
    };
    expect(canceled.notice).toMatch(/canceled/);
    const row = await database.db.select().from(applications).where(eq(applications.id, id)).get();
    expect(row?.status).toBe("canceled");
    const audit = await database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.entityId, id))
      .orderBy(desc(auditLogs.id))
      .get();
    expect(audit?.action).toBe("application.cancel");
    expect(audit?.actorType).toBe("merchant_user");
    expect(audit?.details).toMatchObject({ reason: "Customer paid cash" });
  });

  it("another merchant's owner: every money action on these ids is 404, its payouts and statements show none of this merchant, nothing changes", async () => {
    const before = await snapshot();
    const id = funded.applicationId;
    const attempts = [
      await page(otherOwner.cookie, id),
      await page(otherOwner.cookie, id, { intent: "complete" }),
      await page(otherOwner.cookie, id, { intent: "amount", amount: "10" }),
      await page(otherOwner.cookie, id, { intent: "cancel", reason: "Not mine" }),
      await page(otherOwner.cookie, id, {
        intent: "refund",
        amount: "10",
        reason: "Not mine",
        idempotencyKey: `portal-${crypto.randomUUID()}`,
      }),
    ];
    expect(attempts.map(statusOf)).toEqual([404, 404, 404, 404, 404]);
    const views = [
      await callOps(payoutsRoute, {
        path: "/merchant/payouts?month=2026-10",
        cookie: otherOwner.cookie,
      }),
      await (
        (await callOps(statementsRoute, {
          path: "/merchant/statements/2026-10.csv",
          params: { file: "2026-10.csv" },
          cookie: otherOwner.cookie,
        })) as Response
      ).text(),
    ];
    for (const view of views) {
      const text = JSON.stringify(view);
      for (const secret of [id, funded.loanId, "Money Pest Control", "7275.00", "727500"]) {
        expect(text).not.toContain(secret);
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});
