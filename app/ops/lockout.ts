/**
 * Sign-in lockout with back-off (pure: no clock, no database). Every failed step counts —
 * a wrong password, a wrong TOTP code, a wrong recovery code. The 5th failure locks the account
 * for 1 minute, and each further failure (once the lock has run out) doubles the lock, up to
 * 1 hour. Attempts made while locked are refused without being checked or counted. A completed
 * sign-in clears everything; a count whose last failure is more than a day old starts again.
 */
export const lockoutThreshold = 5;
export const firstLockMs = 60 * 1000;
export const maxLockMs = 60 * 60 * 1000;
/** A failure older than this no longer counts towards the next lock. */
export const failureMemoryMs = 24 * 60 * 60 * 1000;

export type LockoutState = {
  failedAttempts: number;
  lockedUntil: Date | null;
  lastFailedAt: Date | null;
};

export const clearedLockout: LockoutState = {
  failedAttempts: 0,
  lockedUntil: null,
  lastFailedAt: null,
};

/** How long the `failedAttempts`-th consecutive failure locks the account (0: not at all). */
export function lockDurationMs(failedAttempts: number) {
  if (failedAttempts < lockoutThreshold) return 0;
  const doublings = failedAttempts - lockoutThreshold;
  // 2^6 minutes already exceeds the cap; avoid huge exponents.
  return doublings >= 6 ? maxLockMs : Math.min(firstLockMs * 2 ** doublings, maxLockMs);
}

/** Milliseconds until the lock ends (0 when not locked). */
export function lockRemainingMs(state: Pick<LockoutState, "lockedUntil">, now: Date) {
  return state.lockedUntil ? Math.max(0, state.lockedUntil.getTime() - now.getTime()) : 0;
}

export function isLocked(state: Pick<LockoutState, "lockedUntil">, now: Date) {
  return lockRemainingMs(state, now) > 0;
}

/** The state after one more failure, and whether this failure started a lock. */
export function registerFailure(
  state: LockoutState,
  now: Date,
): { state: LockoutState; lockMs: number } {
  const stale =
    state.lastFailedAt !== null && now.getTime() - state.lastFailedAt.getTime() > failureMemoryMs;
  const failedAttempts = (stale ? 0 : state.failedAttempts) + 1;
  const lockMs = lockDurationMs(failedAttempts);
  return {
    state: {
      failedAttempts,
      lockedUntil: lockMs > 0 ? new Date(now.getTime() + lockMs) : null,
      lastFailedAt: now,
    },
    lockMs,
  };
}

/** "about 2 minutes" — rounded up, for the locked-account message. */
export function describeWait(ms: number) {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return minutes === 1 ? "about a minute" : `about ${minutes} minutes`;
}

export function lockedMessage(remainingMs: number) {
  return `Too many failed sign-in attempts: this account is locked for now. Try again in ${describeWait(remainingMs)}, or ask an administrator to unlock it.`;
}

/** Where a lock that started at the second step sends the browser: the login page says why. */
export function lockedLoginUrl(remainingMs: number) {
  return `/ops/login?reason=locked&minutes=${Math.max(1, Math.ceil(remainingMs / 60_000))}`;
}
