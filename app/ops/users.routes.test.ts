import { appDatabase } from "~/scripts/testing/app-harness";
import { callOps, signedInOperator, statusOf } from "~/scripts/testing/ops-harness";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLogs, operatorSessions, operators, type OperatorRole } from "~/db/schema/index";
import * as auditRoute from "~/app/routes/ops.audit";
import * as userRoute from "~/app/routes/ops.users.$operatorId";
import * as usersRoute from "~/app/routes/ops.users._index";
import * as newUserRoute from "~/app/routes/ops.users.new";
import { idleTimeoutMs, requireOperator } from "./session.server";

type Signed = Awaited<ReturnType<typeof signedInOperator>>;
const roles: OperatorRole[] = ["admin", "underwriter", "risk_analyst", "support"];
const signed = {} as Record<OperatorRole, Signed>;

beforeAll(async () => {
  for (const role of roles) signed[role] = await signedInOperator(role);
});

async function deniedCount(operatorId: string, permission: string) {
  const database = await appDatabase();
  const [row] = await database.db
    .select({ n: sql<number>`count(*)` })
    .from(auditLogs)
    .where(
      and(
        eq(auditLogs.action, "access.denied"),
        eq(auditLogs.actorId, operatorId),
        eq(auditLogs.entityId, permission),
      ),
    );
  return row!.n;
}

describe("permissions of the users and audit screens", () => {
  const target = () => signed.support.id;
  const screens = [
    {
      name: "GET /ops/users",
      permission: "read:user",
      call: (s: Signed) => callOps(usersRoute, { path: "/ops/users", cookie: s.cookie }),
    },
    {
      name: "GET /ops/users/new",
      permission: "manage:user",
      call: (s: Signed) => callOps(newUserRoute, { path: "/ops/users/new", cookie: s.cookie }),
    },
    {
      name: "POST /ops/users/new",
      permission: "manage:user",
      call: (s: Signed) =>
        callOps(newUserRoute, {
          path: "/ops/users/new",
          cookie: s.cookie,
          form: { email: `x.${s.role}@flowpay.test`, name: "X", role: "admin" },
        }),
    },
    {
      name: "GET /ops/users/:id",
      permission: "read:user",
      call: (s: Signed) =>
        callOps(userRoute, {
          path: `/ops/users/${target()}`,
          params: { operatorId: target() },
          cookie: s.cookie,
        }),
    },
    {
      name: "POST /ops/users/:id",
      permission: "manage:user",
      call: (s: Signed) =>
        callOps(userRoute, {
          path: `/ops/users/${target()}`,
          params: { operatorId: target() },
          cookie: s.cookie,
          form: { intent: "unlock" },
        }),
    },
    {
      name: "GET /ops/audit",
      permission: "read:audit",
      call: (s: Signed) => callOps(auditRoute, { path: "/ops/audit", cookie: s.cookie }),
    },
  ] as const;

  for (const screen of screens) {
    for (const role of ["underwriter", "risk_analyst", "support"] as const) {
      it(`${screen.name} is refused to ${role} with a 403 and an audit record`, async () => {
        const before = await deniedCount(signed[role].id, screen.permission);
        const result = await screen.call(signed[role]);
        expect(statusOf(result)).toBe(403);
        expect(await deniedCount(signed[role].id, screen.permission)).toBe(before + 1);
      });
    }
    it(`${screen.name} is allowed to an admin`, async () => {
      const result = await screen.call(signed.admin);
      expect(statusOf(result)).toBe(200);
    });
    it(`${screen.name} without a session redirects to the login page`, async () => {
      const result = await screen.call({ ...signed.admin, cookie: "" });
      expect(statusOf(result)).toBe(302);
      expect((result as Response).headers.get("location")).toMatch(/^\/ops\/login\?next=/);
    });
  }

  it("a cross-site or origin-less POST is refused even for an admin, and changes nothing", async () => {
    for (const origin of ["https://evil.example", null]) {
      const result = await callOps(userRoute, {
        path: `/ops/users/${signed.support.id}`,
        params: { operatorId: signed.support.id },
        cookie: signed.admin.cookie,
        form: { intent: "deactivate" },
        origin,
      });
      expect(statusOf(result)).toBe(403);
    }
    const database = await appDatabase();
    const row = await database.db.query.operators.findFirst({
      where: eq(operators.id, signed.support.id),
    });
    expect(row!.status).toBe("active");
  });
});

describe("managing operators", () => {
  const post = (admin: Signed, targetId: string, form: Record<string, string>) =>
    callOps(userRoute, {
      path: `/ops/users/${targetId}`,
      params: { operatorId: targetId },
      cookie: admin.cookie,
      form,
    }) as Promise<{ ok: boolean; message: string }>;

  it("invites an operator: temporary password shown once, no TOTP until enrolled", async () => {
    const result = (await callOps(newUserRoute, {
      path: "/ops/users/new",
      cookie: signed.admin.cookie,
      form: { email: "New.Hire@FlowPay.test", name: "New Hire", role: "underwriter" },
    })) as { created: { id: string; email: string; password: string } };
    expect(result.created.email).toBe("new.hire@flowpay.test");
    expect(result.created.password.length).toBeGreaterThanOrEqual(16);
    const database = await appDatabase();
    const row = await database.db.query.operators.findFirst({
      where: eq(operators.id, result.created.id),
    });
    expect(row).toMatchObject({ role: "underwriter", totpEnabledAt: null, totpSecretEnc: null });
    expect(row!.passwordHash).not.toContain(result.created.password);
    const again = (await callOps(newUserRoute, {
      path: "/ops/users/new",
      cookie: signed.admin.cookie,
      form: { email: "new.hire@flowpay.test", name: "Again", role: "support" },
    })) as { error: string };
    expect(again.error).toMatch(/already exists/);
  });

  it("lists operators with MFA state and live session counts", async () => {
    const result = (await callOps(usersRoute, {
      path: "/ops/users",
      cookie: signed.admin.cookie,
    })) as {
      operators: { id: string; mfaEnrolled: boolean; activeSessions: number }[];
    };
    const support = result.operators.find((o) => o.id === signed.support.id)!;
    expect(support).toMatchObject({ mfaEnrolled: true, activeSessions: 1 });
  });

  it("an admin can neither deactivate nor demote themselves", async () => {
    const admin = signed.admin;
    expect(await post(admin, admin.id, { intent: "deactivate" })).toMatchObject({ ok: false });
    expect(await post(admin, admin.id, { intent: "role", role: "support" })).toMatchObject({
      ok: false,
    });
    const database = await appDatabase();
    const row = await database.db.query.operators.findFirst({ where: eq(operators.id, admin.id) });
    expect(row).toMatchObject({ status: "active", role: "admin" });
  });

  it("a role change, an MFA reset and a deactivation each end all of the operator's sessions", async () => {
    const admin = signed.admin;
    const database = await appDatabase();
    const forms: Record<string, string>[] = [
      { intent: "role", role: "risk_analyst" },
      { intent: "reset-mfa" },
      { intent: "deactivate" },
      { intent: "revoke-sessions" },
    ];
    for (const form of forms) {
      const victim = await signedInOperator("underwriter");
      const result = await post(admin, victim.id, form);
      expect(result).toMatchObject({ ok: true });
      const live = await database.db.query.operatorSessions.findMany({
        where: and(eq(operatorSessions.operatorId, victim.id)),
      });
      expect(live.every((s) => s.revokedAt !== null)).toBe(true);
      // Their next request lands on the login page, told the session ended.
      const next = await callOps(usersRoute, { path: "/ops/users", cookie: victim.cookie });
      expect((next as Response).headers.get("location")).toMatch(/reason=ended/);
      const record = await database.db.query.auditLogs.findFirst({
        where: and(eq(auditLogs.entityId, victim.id), eq(auditLogs.actorId, admin.id)),
      });
      expect(record).toBeTruthy();
    }
  });

  it("an MFA reset clears the TOTP secret and recovery codes", async () => {
    const victim = await signedInOperator("support");
    await post(signed.admin, victim.id, { intent: "reset-mfa" });
    const database = await appDatabase();
    const row = await database.db.query.operators.findFirst({ where: eq(operators.id, victim.id) });
    expect(row).toMatchObject({ totpSecretEnc: null, totpEnabledAt: null, recoveryCodeHashes: [] });
  });

  it("deactivated operators can be reactivated; another admin can be demoted", async () => {
    const other = await signedInOperator("admin");
    expect(await post(signed.admin, other.id, { intent: "deactivate" })).toMatchObject({
      ok: true,
    });
    expect(await post(signed.admin, other.id, { intent: "reactivate" })).toMatchObject({
      ok: true,
    });
    expect(await post(signed.admin, other.id, { intent: "role", role: "support" })).toMatchObject({
      ok: true,
    });
  });
});

describe("sessions", () => {
  it("an idle session redirects to the login page with reason=expired", async () => {
    const someone = await signedInOperator("support");
    const database = await appDatabase();
    await database.write((tx) =>
      tx
        .update(operatorSessions)
        .set({ lastSeenAt: new Date(Date.now() - idleTimeoutMs - 1000) })
        .where(eq(operatorSessions.id, someone.sessionId)),
    );
    const thrown = await requireOperator(
      new Request("https://flowpay.test/ops/applications?q=1", {
        headers: { cookie: someone.cookie },
      }),
    ).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Response);
    const location = (thrown as Response).headers.get("location")!;
    expect(location).toMatch(/^\/ops\/login\?/);
    const params = new URL(location, "https://x").searchParams;
    expect(params.get("reason")).toBe("expired");
    expect(params.get("next")).toBe("/ops/applications?q=1");
    expect((thrown as Response).headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });
});

describe("audit log screen", () => {
  type Page = {
    rows: { id: number; action: string; details: string | null }[];
    older: number | null;
    newer: number | null;
    error: string | null;
  };
  const view = (query: string) =>
    callOps(auditRoute, {
      path: `/ops/audit?${query}`,
      cookie: signed.admin.cookie,
    }) as Promise<Page>;

  it("filters, shows newest first and pages with keyset cursors", async () => {
    const database = await appDatabase();
    const { audit } = await import("~/app/audit/audit.server");
    await database.write(async (tx) => {
      for (let i = 0; i < 120; i++) {
        await audit(tx, {
          actorType: "system",
          action: "test.paging",
          entityType: "widget",
          entityId: `w${i % 3}`,
          details: { i, email: "someone@example.com" },
        });
      }
    });
    const first = await view("action=test.paging");
    expect(first.rows).toHaveLength(50);
    expect(first.rows[0]!.id).toBeGreaterThan(first.rows[1]!.id);
    expect(first.newer).toBeNull();
    expect(first.rows[0]!.details).toContain('"i":119');
    expect(first.rows[0]!.details).toContain("[redacted]");
    expect(first.rows[0]!.details).not.toContain("someone@example.com");
    const second = await view(`action=test.paging&before=${first.older}`);
    expect(second.rows[0]!.id).toBeLessThan(first.rows[49]!.id);
    const third = await view(`action=test.paging&before=${second.older}`);
    expect(third.rows).toHaveLength(20);
    expect(third.older).toBeNull();
    const back = await view(`action=test.paging&after=${second.newer}`);
    expect(back.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));

    const filtered = await view("action=test.&entityType=widget&entityId=w1");
    expect(filtered.rows).toHaveLength(40);
    const today = new Date().toISOString().slice(0, 10);
    expect((await view(`action=test.paging&from=${today}&to=${today}`)).rows).toHaveLength(50);
    expect((await view("action=test.paging&to=2000-01-01")).rows).toHaveLength(0);
    expect((await view("from=yesterday")).error).toMatch(/Dates/);
  });

  it("filters by an operator's e-mail", async () => {
    const page = await view(`actor=${encodeURIComponent(signed.support.email)}`);
    expect(page.rows.length).toBeGreaterThan(0);
    expect(
      page.rows.every((r) => r.action === "access.denied" || r.action.startsWith("operator")),
    ).toBe(true);
  });

  it("has no action: nothing on the screen can change the log", () => {
    expect("action" in auditRoute).toBe(false);
  });
});
