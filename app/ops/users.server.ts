import { and, asc, count, eq, gt, isNotNull, isNull, ne } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { operatorSessions, operators, type OperatorRole } from "~/db/schema/index";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { clearedLockout, isLocked } from "./lockout";
import { idleTimeoutMs, revokeOperatorSessions } from "./session.server";
import { RefusalError } from "~/app/errors/refusal";

/** A refused change on the Users screen, with a message for the admin. */
export class UserChangeError extends RefusalError<404 | 409> {
  // The status: 404: no such operator; 409: not a change the operator's state allows.
  override name = "UserChangeError";
}

export type Actor = Pick<AuditEntry, "ip" | "userAgent"> & { operatorId: string };

/** Signed-in sessions that are still live (not revoked, not expired, not idle), per operator. */
function liveSessionFilter(now: Date) {
  return and(
    isNull(operatorSessions.revokedAt),
    isNotNull(operatorSessions.mfaVerifiedAt),
    gt(operatorSessions.expiresAt, now),
    gt(operatorSessions.lastSeenAt, new Date(now.getTime() - idleTimeoutMs)),
  );
}

export type OperatorSummary = {
  id: string;
  email: string;
  name: string;
  role: OperatorRole;
  status: "active" | "deactivated";
  mfaEnrolled: boolean;
  recoveryCodesLeft: number;
  locked: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  activeSessions: number;
};

export async function listOperators(database: Database): Promise<OperatorSummary[]> {
  const now = new Date();
  const [rows, sessions] = await Promise.all([
    database.db.query.operators.findMany({ orderBy: [asc(operators.email)] }),
    database.db
      .select({ operatorId: operatorSessions.operatorId, n: count() })
      .from(operatorSessions)
      .where(liveSessionFilter(now))
      .groupBy(operatorSessions.operatorId),
  ]);
  const sessionCounts = new Map(sessions.map((s) => [s.operatorId, s.n]));
  return rows.map((row) => summarize(row, sessionCounts.get(row.id) ?? 0, now));
}

export async function getOperator(database: Database, id: string) {
  const now = new Date();
  const row = await database.db.query.operators.findFirst({ where: eq(operators.id, id) });
  if (!row) return null;
  const [sessions] = await database.db
    .select({ n: count() })
    .from(operatorSessions)
    .where(and(eq(operatorSessions.operatorId, id), liveSessionFilter(now)));
  return summarize(row, sessions?.n ?? 0, now);
}

function summarize(
  row: typeof operators.$inferSelect,
  activeSessions: number,
  now: Date,
): OperatorSummary {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.status,
    mfaEnrolled: row.totpEnabledAt !== null,
    recoveryCodesLeft: row.recoveryCodeHashes.length,
    locked: isLocked(row, now),
    lastLoginAt: row.lastLoginAt,
    createdAt: row.createdAt,
    activeSessions,
  };
}

/** Runs one change to operator `targetId` in a transaction with its audit record. */
async function change<T>(
  database: Database,
  targetId: string,
  actor: Actor,
  work: (
    tx: Tx,
    target: typeof operators.$inferSelect,
  ) => Promise<{
    action: string;
    details?: Record<string, unknown>;
    result: T;
  }>,
): Promise<T> {
  return database.write(async (tx) => {
    const target = await tx.query.operators.findFirst({ where: eq(operators.id, targetId) });
    if (!target) throw new UserChangeError("That operator doesn't exist.", 404);
    const outcome = await work(tx, target);
    await audit(tx, {
      actorType: "operator",
      actorId: actor.operatorId,
      action: outcome.action,
      entityType: "operator",
      entityId: targetId,
      ip: actor.ip,
      userAgent: actor.userAgent,
      details: outcome.details,
    });
    return outcome.result;
  });
}

/** Refuses a change that would leave no active admin (checked inside the transaction). */
async function assertAnotherActiveAdmin(tx: Tx, targetId: string) {
  const [others] = await tx
    .select({ n: count() })
    .from(operators)
    .where(
      and(eq(operators.role, "admin"), eq(operators.status, "active"), ne(operators.id, targetId)),
    );
  if (!others || others.n === 0) {
    throw new UserChangeError("FlowOps must keep at least one active admin.");
  }
}

/** A new role takes effect at the next sign-in: every session of the operator is ended. */
export async function changeRole(
  database: Database,
  targetId: string,
  role: OperatorRole,
  actor: Actor,
) {
  return change(database, targetId, actor, async (tx, target) => {
    if (target.role === role) throw new UserChangeError("The operator already has that role.");
    if (targetId === actor.operatorId) {
      throw new UserChangeError("You can't change your own role: ask another admin.");
    }
    if (target.role === "admin" && target.status === "active") {
      await assertAnotherActiveAdmin(tx, targetId);
    }
    await tx.update(operators).set({ role }).where(eq(operators.id, targetId));
    const sessionsRevoked = await revokeOperatorSessions(tx, targetId);
    return {
      action: "operator.role_change",
      details: { from: target.role, to: role, sessionsRevoked },
      result: { sessionsRevoked },
    };
  });
}

/**
 * Reset MFA: the TOTP secret and recovery codes are deleted and every session ended; the
 * operator enrolls a new authenticator at their next sign-in (password, then /ops/enroll).
 */
export async function resetMfa(database: Database, targetId: string, actor: Actor) {
  return change(database, targetId, actor, async (tx, target) => {
    await tx
      .update(operators)
      .set({ totpSecretEnc: null, totpEnabledAt: null, recoveryCodeHashes: [] })
      .where(eq(operators.id, targetId));
    const sessionsRevoked = await revokeOperatorSessions(tx, targetId);
    return {
      action: "operator.mfa_reset",
      details: { wasEnrolled: target.totpEnabledAt !== null, sessionsRevoked },
      result: { sessionsRevoked },
    };
  });
}

export async function setStatus(
  database: Database,
  targetId: string,
  status: "active" | "deactivated",
  actor: Actor,
) {
  return change(database, targetId, actor, async (tx, target) => {
    if (target.status === status) {
      throw new UserChangeError(
        status === "active"
          ? "The operator is already active."
          : "The operator is already deactivated.",
      );
    }
    if (status === "deactivated") {
      if (targetId === actor.operatorId) {
        throw new UserChangeError("You can't deactivate yourself: ask another admin.");
      }
      if (target.role === "admin") await assertAnotherActiveAdmin(tx, targetId);
    }
    await tx.update(operators).set({ status }).where(eq(operators.id, targetId));
    const sessionsRevoked =
      status === "deactivated" ? await revokeOperatorSessions(tx, targetId) : 0;
    return {
      action: status === "deactivated" ? "operator.deactivate" : "operator.reactivate",
      details: status === "deactivated" ? { sessionsRevoked } : {},
      result: { sessionsRevoked },
    };
  });
}

/** Ends every session of the operator ("sign out everywhere"). */
export async function revokeSessions(database: Database, targetId: string, actor: Actor) {
  return change(database, targetId, actor, async (tx) => {
    const sessionsRevoked = await revokeOperatorSessions(tx, targetId);
    return {
      action: "operator.sessions_revoked",
      details: { sessionsRevoked },
      result: { sessionsRevoked },
    };
  });
}

/** Lifts a sign-in lockout and forgets the failures. */
export async function unlock(database: Database, targetId: string, actor: Actor) {
  return change(database, targetId, actor, async (tx, target) => {
    await tx.update(operators).set(clearedLockout).where(eq(operators.id, targetId));
    return {
      action: "operator.unlock",
      details: { failedAttempts: target.failedAttempts },
      result: { sessionsRevoked: 0 },
    };
  });
}
