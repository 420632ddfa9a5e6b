import { appDatabase } from "~/scripts/testing/app-harness";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditLogs, operatorSessions, operators } from "~/db/schema/index";
import { currentTotp } from "~/app/security/totp.server";
import { confirmEnrollment, pendingTotpSecret } from "./enrollment.server";
import { verifySecondFactor } from "./login.server";
import { createOperator, inviteOperator } from "./operators.server";
import { sessionCookie, startSession } from "./session.server";

/** RFC 6238 §5.2: a TOTP code signs an operator in once, however it is sent again. */
const client = { ip: "203.0.113.7", userAgent: "vitest" };
const password = "a long and correct password";
let database: Database;
let n = 0;

beforeAll(async () => {
  database = await appDatabase();
});

async function pendingSession(operatorId: string) {
  const setCookie = await startSession(database, operatorId, client);
  const sessionId = (await sessionCookie().parse(setCookie.split(";")[0]!)) as string;
  return { sessionId, operatorId };
}

async function signedIn(sessionId: string) {
  const row = await database.db.query.operatorSessions.findFirst({
    where: eq(operatorSessions.id, sessionId),
  });
  return row?.mfaVerifiedAt != null;
}

async function enrolledOperator() {
  n += 1;
  return createOperator(database, {
    email: `replay.${n}.${Date.now().toString(36)}@flowpay.test`,
    role: "support",
    password,
    actor: { actorType: "system" },
  });
}

describe("TOTP replay", () => {
  it("the code that signed an operator in is refused the second time, with its own message", async () => {
    const op = await enrolledOperator();
    const code = await currentTotp(op.totpSecret);
    const first = await pendingSession(op.id);
    expect(await verifySecondFactor(database, first, { kind: "totp", code }, client)).toEqual({
      ok: true,
    });
    const second = await pendingSession(op.id);
    const replay = await verifySecondFactor(database, second, { kind: "totp", code }, client);
    expect(replay).toMatchObject({ ok: false, locked: false, reused: true });
    expect(await signedIn(second.sessionId)).toBe(false);
    // The refusal is a failed attempt, audited as a reuse.
    const failures = await database.db
      .select({ details: auditLogs.details })
      .from(auditLogs)
      .where(and(eq(auditLogs.action, "operator.login_failed"), eq(auditLogs.entityId, op.id)));
    expect(JSON.stringify(failures)).toContain("reused_code");
  });

  it("of two concurrent sign-ins with one code exactly one passes", async () => {
    const op = await enrolledOperator();
    const code = await currentTotp(op.totpSecret);
    const sessions = await Promise.all([pendingSession(op.id), pendingSession(op.id)]);
    const results = await Promise.all(
      sessions.map((s) => verifySecondFactor(database, s, { kind: "totp", code }, client)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const states = await Promise.all(sessions.map((s) => signedIn(s.sessionId)));
    expect(states.filter(Boolean)).toHaveLength(1);
  });

  it("an earlier code is refused after a later one was accepted", async () => {
    const op = await enrolledOperator();
    const current = await currentTotp(op.totpSecret);
    // Pretend a code of a later step was accepted (as if the clock had moved on).
    const row = await database.db.get<{ step: number }>(
      sql`SELECT CAST(strftime('%s','now') AS INTEGER) / 30 + 1 AS step`,
    );
    await database.write((tx) =>
      tx.update(operators).set({ totpLastStep: row!.step }).where(eq(operators.id, op.id)),
    );
    const session = await pendingSession(op.id);
    expect(
      await verifySecondFactor(database, session, { kind: "totp", code: current }, client),
    ).toMatchObject({ ok: false, reused: true });
  });

  it("the code that confirmed enrollment cannot sign in again", async () => {
    n += 1;
    const op = await inviteOperator(database, {
      email: `replay.enroll.${n}.${Date.now().toString(36)}@flowpay.test`,
      role: "support",
      password,
      actor: { actorType: "system" },
    });
    const secret = (await pendingTotpSecret(database, op.id))!;
    const code = await currentTotp(secret);
    const enrolling = await pendingSession(op.id);
    expect((await confirmEnrollment(database, enrolling, code, client)).ok).toBe(true);
    const later = await pendingSession(op.id);
    expect(await verifySecondFactor(database, later, { kind: "totp", code }, client)).toMatchObject(
      { ok: false, reused: true },
    );
    expect(await signedIn(later.sessionId)).toBe(false);
  });

  it("two concurrent enrollment confirmations with one code sign in one session", async () => {
    n += 1;
    const op = await inviteOperator(database, {
      email: `replay.enroll2.${n}.${Date.now().toString(36)}@flowpay.test`,
      role: "support",
      password,
      actor: { actorType: "system" },
    });
    const secret = (await pendingTotpSecret(database, op.id))!;
    const code = await currentTotp(secret);
    const sessions = await Promise.all([pendingSession(op.id), pendingSession(op.id)]);
    const results = await Promise.all(
      sessions.map((s) => confirmEnrollment(database, s, code, client)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });
});
