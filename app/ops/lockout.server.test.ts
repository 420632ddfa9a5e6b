import { appDatabase } from "~/scripts/testing/app-harness";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditLogs, operatorSessions, operators } from "~/db/schema/index";
import { currentTotp } from "~/app/security/totp.server";
import { confirmEnrollment, pendingTotpSecret } from "./enrollment.server";
import { lockoutThreshold } from "./lockout";
import {
  checkPassword,
  invalidCredentialsMessage,
  LoginError,
  verifySecondFactor,
} from "./login.server";
import { createOperator, inviteOperator } from "./operators.server";
import { startSession, sessionCookie } from "./session.server";

const client = { ip: "203.0.113.9", userAgent: "vitest" };
const password = "a long and correct password";
let database: Database;

beforeAll(async () => {
  database = await appDatabase();
});

let n = 0;
async function invited() {
  n += 1;
  return inviteOperator(database, {
    email: `lockout.${n}@flowpay.test`,
    role: "support",
    password,
    actor: { actorType: "system" },
  });
}

async function operator() {
  n += 1;
  const input = {
    email: `lockout.${n}@flowpay.test`,
    role: "support" as const,
    password,
    actor: { actorType: "system" as const },
  };
  return createOperator(database, input);
}

async function attempt(email: string, pw: string) {
  try {
    return await checkPassword(database, { email, password: pw }, client);
  } catch (error) {
    if (error instanceof LoginError) return { error: error.message, locked: error.locked };
    throw error;
  }
}

async function sessionIdOf(operatorId: string) {
  const setCookie = await startSession(database, operatorId, client);
  return (await sessionCookie().parse(setCookie.split(";")[0]!)) as string;
}

async function auditCount(action: string, entityId: string) {
  const [row] = await database.db
    .select({ n: sql<number>`count(*)` })
    .from(auditLogs)
    .where(and(eq(auditLogs.action, action), eq(auditLogs.entityId, entityId)));
  return row!.n;
}

describe("password step lockout", () => {
  it("locks after 5 wrong passwords; while locked even the right password gets the same answer", async () => {
    const op = await operator();
    for (let i = 1; i < lockoutThreshold; i++) {
      expect(await attempt(op.email, `wrong ${i}`)).toEqual({
        error: invalidCredentialsMessage,
        locked: false,
      });
    }
    const fifth = await attempt(op.email, "wrong 5");
    expect(fifth).toMatchObject({ locked: true });
    expect((fifth as { error: string }).error).toMatch(/locked/);
    const right = await attempt(op.email, password);
    const wrong = await attempt(op.email, "wrong 6");
    expect(right).toEqual(wrong);
    expect(right).toMatchObject({ locked: true });

    expect(await auditCount("operator.login_failed", op.id)).toBe(5);
    expect(await auditCount("operator.locked", op.id)).toBe(1);
    expect(await auditCount("operator.login_refused_locked", op.id)).toBe(2);
    const row = await database.db.query.operators.findFirst({ where: eq(operators.id, op.id) });
    expect(row!.failedAttempts).toBe(5);
    expect(row!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
  });

  it("when the lock has run out, the next failure locks again for twice as long", async () => {
    const op = await operator();
    for (let i = 0; i < lockoutThreshold; i++) await attempt(op.email, "wrong");
    await database.write((tx) =>
      tx
        .update(operators)
        .set({ lockedUntil: new Date(Date.now() - 1) })
        .where(eq(operators.id, op.id)),
    );
    const before = Date.now();
    expect(await attempt(op.email, "wrong")).toMatchObject({ locked: true });
    const row = await database.db.query.operators.findFirst({ where: eq(operators.id, op.id) });
    expect(row!.failedAttempts).toBe(6);
    const lockMs = row!.lockedUntil!.getTime() - before;
    expect(lockMs).toBeGreaterThan(60_000);
    expect(lockMs).toBeLessThanOrEqual(120_000 + 1000);
  });

  it("an unknown e-mail gets exactly the same answers, and locks out the same way", async () => {
    const op = await operator();
    const known: unknown[] = [];
    const unknown: unknown[] = [];
    for (let i = 0; i < lockoutThreshold + 1; i++) {
      known.push(await attempt(op.email, "wrong"));
      unknown.push(await attempt(`nobody.${n}@flowpay.test`, "wrong"));
    }
    // Lock messages name the remaining minutes: both round to the same whole minute.
    expect(unknown).toEqual(known);
    // No address is stored: the audit record names a keyed hash prefix.
    const records = await database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.entityType, "login_throttle"));
    expect(records.length).toBeGreaterThan(0);
    expect(JSON.stringify(records)).not.toContain("nobody.");
  });

  it("a deactivated operator's right password is refused like a wrong one", async () => {
    const op = await operator();
    await database.write((tx) =>
      tx.update(operators).set({ status: "deactivated" }).where(eq(operators.id, op.id)),
    );
    expect(await attempt(op.email, password)).toEqual({
      error: invalidCredentialsMessage,
      locked: false,
    });
  });
});

describe("second step", () => {
  it("wrong TOTP codes count too; the lock ends the pending session; success resets the count", async () => {
    const op = await operator();
    // Two wrong passwords, then the right one: the count goes on at the TOTP step.
    await attempt(op.email, "wrong");
    await attempt(op.email, "wrong");
    expect(await attempt(op.email, password)).toEqual({ operatorId: op.id, mfaEnrolled: true });
    const sessionId = await sessionIdOf(op.id);
    const session = { sessionId, operatorId: op.id };
    const good = await currentTotp(op.totpSecret);
    const bad = good === "000000" ? "111111" : "000000";
    for (let i = 0; i < 2; i++) {
      expect(
        await verifySecondFactor(database, session, { kind: "totp", code: bad }, client),
      ).toEqual({ ok: false, locked: false, remainingMs: 0 });
    }
    const locking = await verifySecondFactor(
      database,
      session,
      { kind: "totp", code: bad },
      client,
    );
    expect(locking).toMatchObject({ ok: false, locked: true });
    const row = await database.db.query.operatorSessions.findFirst({
      where: eq(operatorSessions.id, sessionId),
    });
    expect(row!.revokedAt).not.toBeNull();
    // Even the right code is refused while locked.
    expect(
      await verifySecondFactor(database, session, { kind: "totp", code: good }, client),
    ).toMatchObject({ ok: false, locked: true });

    // Unlocked (time passes): the right code signs in and clears the count.
    await database.write((tx) =>
      tx.update(operators).set({ lockedUntil: null }).where(eq(operators.id, op.id)),
    );
    const fresh = { sessionId: await sessionIdOf(op.id), operatorId: op.id };
    expect(await verifySecondFactor(database, fresh, { kind: "totp", code: good }, client)).toEqual(
      { ok: true },
    );
    const after = await database.db.query.operators.findFirst({ where: eq(operators.id, op.id) });
    expect(after).toMatchObject({ failedAttempts: 0, lockedUntil: null, lastFailedAt: null });
    expect(after!.lastLoginAt).not.toBeNull();
    const signedIn = await database.db.query.operatorSessions.findFirst({
      where: eq(operatorSessions.id, fresh.sessionId),
    });
    expect(signedIn!.mfaVerifiedAt).not.toBeNull();
  });
});

describe("enrollment and recovery codes", () => {
  it("an invited operator enrolls, gets 10 codes once, and each code signs in once", async () => {
    const op = await invited();
    expect(await attempt(op.email, password)).toEqual({ operatorId: op.id, mfaEnrolled: false });
    const session = { sessionId: await sessionIdOf(op.id), operatorId: op.id };
    const secret = await pendingTotpSecret(database, op.id);
    expect(secret).toMatch(/^[A-Z2-7]+$/);
    // The same secret until confirmed.
    expect(await pendingTotpSecret(database, op.id)).toBe(secret);

    const wrong = await confirmEnrollment(database, session, "000000", client);
    expect(wrong.ok).toBe(false);
    const result = await confirmEnrollment(database, session, await currentTotp(secret!), client);
    expect(result.ok).toBe(true);
    const codes = (result as { recoveryCodes: string[] }).recoveryCodes;
    expect(codes).toHaveLength(10);

    const row = await database.db.query.operators.findFirst({ where: eq(operators.id, op.id) });
    expect(row!.totpEnabledAt).not.toBeNull();
    expect(row!.recoveryCodeHashes).toHaveLength(10);
    expect(JSON.stringify(row)).not.toContain(codes[0]!);
    expect(row!.failedAttempts).toBe(0);
    expect(await pendingTotpSecret(database, op.id)).toBeNull();
    expect(await auditCount("operator.mfa_enrolled", op.id)).toBe(1);

    // A recovery code replaces a TOTP code once.
    const first = { sessionId: await sessionIdOf(op.id), operatorId: op.id };
    expect(
      await verifySecondFactor(
        database,
        first,
        { kind: "recovery_code", code: codes[2]!.toUpperCase() },
        client,
      ),
    ).toEqual({ ok: true, recoveryCodesLeft: 9 });
    const second = { sessionId: await sessionIdOf(op.id), operatorId: op.id };
    expect(
      await verifySecondFactor(
        database,
        second,
        { kind: "recovery_code", code: codes[2]! },
        client,
      ),
    ).toMatchObject({ ok: false, locked: false });
    expect(
      await verifySecondFactor(
        database,
        second,
        { kind: "recovery_code", code: codes[5]! },
        client,
      ),
    ).toEqual({ ok: true, recoveryCodesLeft: 8 });
  });
});
