import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { callOps, statusOf } from "~/scripts/testing/ops-harness";
import { desc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "~/db/ids";
import { crmConnections, merchantMemberships, merchantUsers, messages } from "~/db/schema/index";
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
