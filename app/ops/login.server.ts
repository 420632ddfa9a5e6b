import { parseWithZod } from "@conform-to/zod/v4";
import { and, eq, isNull, lt } from "drizzle-orm";
import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import { z } from "zod";
import type { Database, Tx } from "~/db/client";
import { loginThrottles, operatorSessions, operators } from "~/db/schema/index";
import { audit, clientInfo } from "~/app/audit/audit.server";
import { getSecrets } from "~/app/config/secrets.server";
import { getDatabase } from "~/app/db.server";
import { getCipher } from "~/app/security/encryption.server";
import { hmacSha256Hex } from "~/app/security/hash.server";
import { verifyPassword } from "~/app/security/password.server";
import { matchTotp } from "~/app/security/totp.server";
import { claimTotpStep } from "~/app/security/totp-step.server";
import {
  clearedLockout,
  failureMemoryMs,
  isLocked,
  lockedMessage,
  lockRemainingMs,
  registerFailure,
  type LockoutState,
} from "./lockout";
import { firstError } from "./form-schemas.server";
import { consumeRecoveryCode } from "./recovery.server";
import { markSessionVerified } from "./session.server";

export const loginSchema = z.object({
  email: z.email("Enter your work e-mail").max(254),
  password: z.string().min(1, "Enter your password").max(256),
});

export const totpSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app"),
});

export const recoveryCodeSchema = z.object({
  recoveryCode: z.string().trim().min(1, "Enter one of your recovery codes").max(64),
});

export const invalidCredentialsMessage = "That e-mail and password don't match an active operator.";

export class LoginError extends Error {
  override name = "LoginError";
  constructor(
    message: string,
    /** The account (or the e-mail, if it is no operator's) is locked. */
    readonly locked = false,
  ) {
    super(message);
  }
}

// Verifying a made-up hash costs as much as a real one, so a wrong e-mail takes as long as a
// wrong password and response times don't reveal which addresses are operators.
const decoyHash =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + Buffer.alloc(64).toString("base64");

type Client = { ip: string | null; userAgent: string | null };

const lockoutColumns = {
  id: true,
  status: true,
  failedAttempts: true,
  lockedUntil: true,
  lastFailedAt: true,
  recoveryCodeHashes: true,
} as const;

/** Unknown e-mails are throttled under a keyed hash: the address itself is never stored. */
export function throttleKey(email: string) {
  return hmacSha256Hex(getSecrets().sessionSecret, `login-throttle:${email.trim().toLowerCase()}`);
}

/** After the password step: enrolled operators go on to /ops/verify, others to /ops/enroll. */
export type SignedInPassword = { operatorId: string; mfaEnrolled: boolean };

/**
 * The password step. Every outcome but success costs one scrypt verification and one write
 * transaction (failure count + audit), for a real operator and an unknown e-mail alike, and an
 * unknown e-mail locks out exactly like an account: the answers never tell them apart. While
 * locked, the password is not even looked at: the answer is the same whether it was right.
 */
export async function checkPassword(
  database: Database,
  input: { email: string; password: string },
  client: Client,
): Promise<SignedInPassword> {
  const email = input.email.trim().toLowerCase();
  const operator = await database.db.query.operators.findFirst({
    where: eq(operators.email, email),
    columns: { ...lockoutColumns, passwordHash: true, totpEnabledAt: true },
  });
  const passwordOk = await verifyPassword(input.password, operator?.passwordHash ?? decoyHash);
  const now = new Date();
  if (operator && passwordOk && operator.status === "active" && !isLocked(operator, now)) {
    return { operatorId: operator.id, mfaEnrolled: operator.totpEnabledAt !== null };
  }
  const outcome = await database.write(async (tx) => {
    if (!operator) return failUnknownEmail(tx, throttleKey(email), now, client);
    const fresh = await tx.query.operators.findFirst({
      where: eq(operators.id, operator.id),
      columns: lockoutColumns,
    });
    const state = fresh ?? operator;
    // (While locked, failOperator records a refusal without the reason: not even the audit log
    // says whether a password tried against a locked account was right.)
    const reason = !passwordOk ? "bad_password" : "inactive";
    return failOperator(tx, operator.id, state, now, { step: "password", reason }, client);
  });
  throw outcome.locked
    ? new LoginError(lockedMessage(outcome.remainingMs), true)
    : new LoginError(invalidCredentialsMessage);
}

type FailureOutcome = { locked: boolean; remainingMs: number };

/** Who and what a failure's audit records are about: an operator, or a throttled address. */
type FailureSubject = Omit<Parameters<typeof audit>[1], "action" | "details">;

/**
 * A step tried while the operator (or address) is locked: refused without counting, audited,
 * with the time left. Null when not locked. Known operators and unknown addresses lock the
 * same way, so that the answers do not tell them apart.
 */
async function refuseWhileLocked(
  tx: Tx,
  subject: FailureSubject,
  state: LockoutState,
  now: Date,
  step: string,
): Promise<FailureOutcome | null> {
  if (!isLocked(state, now)) return null;
  await audit(tx, { ...subject, action: "operator.login_refused_locked", details: { step } });
  return { locked: true, remainingMs: lockRemainingMs(state, now) };
}

/** Audits a counted failure, and the lock when it caused one. */
async function auditFailure(
  tx: Tx,
  subject: FailureSubject,
  details: Record<string, unknown>,
  next: ReturnType<typeof registerFailure>,
): Promise<FailureOutcome> {
  const failedAttempts = next.state.failedAttempts;
  await audit(tx, {
    ...subject,
    action: "operator.login_failed",
    details: { ...details, failedAttempts },
  });
  if (next.lockMs > 0) {
    await audit(tx, {
      ...subject,
      action: "operator.locked",
      details: { failedAttempts, lockSeconds: next.lockMs / 1000 },
    });
  }
  return { locked: next.lockMs > 0, remainingMs: next.lockMs };
}

/**
 * Records one failed step for an operator (or refuses it, if already locked), in `tx`.
 * The 5th failure and later ones lock the account; the lock is audited too.
 */
async function failOperator(
  tx: Tx,
  operatorId: string,
  state: LockoutState,
  now: Date,
  details: { step: "password" | "totp" | "recovery_code" | "enrollment"; reason?: string },
  client: Client,
): Promise<FailureOutcome> {
  const base = {
    actorType: "operator" as const,
    actorId: operatorId,
    entityType: "operator",
    entityId: operatorId,
    ...client,
  };
  const refused = await refuseWhileLocked(tx, base, state, now, details.step);
  if (refused) return refused;
  const next = registerFailure(state, now);
  await tx
    .update(operators)
    .set({
      failedAttempts: next.state.failedAttempts,
      lockedUntil: next.state.lockedUntil,
      lastFailedAt: next.state.lastFailedAt,
    })
    .where(eq(operators.id, operatorId));
  return auditFailure(tx, base, details, next);
}

async function failUnknownEmail(
  tx: Tx,
  key: string,
  now: Date,
  client: Client,
): Promise<FailureOutcome> {
  const row = await tx.query.loginThrottles.findFirst({ where: eq(loginThrottles.key, key) });
  const state: LockoutState = row ?? clearedLockout;
  // Not the address: a short prefix of its keyed hash, enough to see repeated attempts.
  const base = {
    actorType: "operator" as const,
    actorId: null,
    entityType: "login_throttle",
    entityId: key.slice(0, 16),
    ...client,
  };
  const refused = await refuseWhileLocked(tx, base, state, now, "password");
  if (refused) return refused;
  const next = registerFailure(state, now);
  const values = {
    failedAttempts: next.state.failedAttempts,
    lockedUntil: next.state.lockedUntil,
    lastFailedAt: now,
  };
  await tx
    .insert(loginThrottles)
    .values({ key, ...values })
    .onConflictDoUpdate({ target: loginThrottles.key, set: values });
  await tx
    .delete(loginThrottles)
    .where(lt(loginThrottles.lastFailedAt, new Date(now.getTime() - failureMemoryMs)));
  return auditFailure(tx, base, { step: "password", reason: "unknown_email" }, next);
}

/** remix-auth's form strategy runs the password step; the TOTP step follows on /ops/verify. */
export const authenticator = new Authenticator<SignedInPassword>();
authenticator.use(
  new FormStrategy(async ({ form, request }) => {
    // The credentials are read with Conform like every FlowOps form (issue 18); an empty field
    // reaches the schema as "" and gets its own message, which the sign-in page shows.
    const parsed = parseWithZod(form, { schema: loginSchema, disableAutoCoercion: true });
    if (parsed.status !== "success") throw new LoginError(firstError(parsed.error));
    return checkPassword(await getDatabase(), parsed.value, clientInfo(request));
  }),
  "password",
);

export type SecondFactor = { kind: "totp"; code: string } | { kind: "recovery_code"; code: string };

export type SecondFactorResult =
  | { ok: true; recoveryCodesLeft?: number }
  | { ok: false; locked: boolean; remainingMs: number; reused?: boolean };

/**
 * The second step on /ops/verify: a TOTP code, or a recovery code (used once). Success signs the
 * session in, resets the failure count and is audited in one transaction; a failure counts
 * towards the lockout like a wrong password, and the lock ends the pending session.
 */
export async function verifySecondFactor(
  database: Database,
  session: { sessionId: string; operatorId: string },
  factor: SecondFactor,
  client: Client,
): Promise<SecondFactorResult> {
  const operator = await database.db.query.operators.findFirst({
    where: eq(operators.id, session.operatorId),
  });
  if (!operator?.totpSecretEnc || !operator.totpEnabledAt) {
    return { ok: false, locked: false, remainingMs: 0 };
  }
  let reusedCode = false;
  // The code's time step, when it is right and newer than the last accepted one.
  let totpStep: number | null = null;
  if (factor.kind === "totp" && !isLocked(operator, new Date())) {
    const secret = getCipher().decrypt(operator.totpSecretEnc, "operators.totp_secret");
    totpStep = await matchTotp(secret, factor.code, operator.totpLastStep);
    // A right code of an already used step says so (the operator waits for the next code).
    if (totpStep === null && operator.totpLastStep !== null) {
      reusedCode = (await matchTotp(secret, factor.code)) !== null;
    }
  }
  const now = new Date();
  return database.write(async (tx): Promise<SecondFactorResult> => {
    const fresh = await tx.query.operators.findFirst({
      where: eq(operators.id, operator.id),
      columns: lockoutColumns,
    });
    if (!fresh) return { ok: false, locked: false, remainingMs: 0 };
    let remainingCodes: string[] | null = null;
    if (factor.kind === "recovery_code" && !isLocked(fresh, now)) {
      remainingCodes = consumeRecoveryCode(fresh.recoveryCodeHashes, factor.code);
    }
    let ok =
      !isLocked(fresh, now) &&
      (factor.kind === "totp" ? totpStep !== null : remainingCodes !== null);
    if (ok && totpStep !== null && !(await claimTotpStep(tx, operators, operator.id, totpStep))) {
      ok = false; // another request signed in with this code first
      reusedCode = true;
    }
    if (!ok) {
      const outcome = await failOperator(
        tx,
        operator.id,
        fresh,
        now,
        { step: factor.kind, ...(reusedCode ? { reason: "reused_code" } : {}) },
        client,
      );
      if (outcome.locked) await endPendingSession(tx, session.sessionId, now);
      return { ok: false, ...outcome, ...(reusedCode ? { reused: true } : {}) };
    }
    await completeSignIn(tx, operator.id, session.sessionId, now, {
      ...(remainingCodes ? { recoveryCodeHashes: remainingCodes } : {}),
    });
    await audit(tx, {
      actorType: "operator",
      actorId: operator.id,
      action: "operator.login",
      entityType: "operator",
      entityId: operator.id,
      ...client,
      details: {
        method: factor.kind,
        sessionId: session.sessionId,
        ...(remainingCodes ? { recoveryCodesLeft: remainingCodes.length } : {}),
      },
    });
    return remainingCodes ? { ok: true, recoveryCodesLeft: remainingCodes.length } : { ok: true };
  });
}

/** Both steps done: failures forgotten, last login recorded, the session opens FlowOps. In `tx`. */
export async function completeSignIn(
  tx: Tx,
  operatorId: string,
  sessionId: string,
  now: Date,
  extra: Partial<typeof operators.$inferInsert> = {},
) {
  await tx
    .update(operators)
    .set({ ...clearedLockout, lastLoginAt: now, ...extra })
    .where(eq(operators.id, operatorId));
  await markSessionVerified(tx, sessionId, now);
}

/** A failure during enrollment (a wrong confirmation code) counts like a wrong TOTP code. */
export async function recordEnrollmentFailure(
  database: Database,
  session: { sessionId: string; operatorId: string },
  client: Client,
): Promise<FailureOutcome> {
  const now = new Date();
  return database.write(async (tx) => {
    const fresh = await tx.query.operators.findFirst({
      where: eq(operators.id, session.operatorId),
      columns: lockoutColumns,
    });
    if (!fresh) return { locked: false, remainingMs: 0 };
    const outcome = await failOperator(
      tx,
      session.operatorId,
      fresh,
      now,
      { step: "enrollment" },
      client,
    );
    if (outcome.locked) await endPendingSession(tx, session.sessionId, now);
    return outcome;
  });
}

/** The operator's lock, if any (read outside a transaction: for pages that refuse early). */
export async function currentLock(database: Database, operatorId: string) {
  const row = await database.db.query.operators.findFirst({
    where: eq(operators.id, operatorId),
    columns: { lockedUntil: true },
  });
  return row ? lockRemainingMs(row, new Date()) : 0;
}

async function endPendingSession(tx: Tx, sessionId: string, now: Date) {
  await tx
    .update(operatorSessions)
    .set({ revokedAt: now })
    .where(and(eq(operatorSessions.id, sessionId), isNull(operatorSessions.mfaVerifiedAt)));
}
