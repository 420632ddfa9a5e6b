import { describe, expect, it } from "vitest";
import {
  clearedLockout,
  describeWait,
  failureMemoryMs,
  firstLockMs,
  isLocked,
  lockDurationMs,
  lockoutThreshold,
  lockRemainingMs,
  maxLockMs,
  registerFailure,
  type LockoutState,
} from "./lockout";

const t0 = new Date("2026-11-28T10:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

/** Fails `n` times, each attempt made right after the previous lock (if any) ran out. */
function failRepeatedly(n: number, start: LockoutState = clearedLockout) {
  let state = start;
  let now = t0;
  const locks: number[] = [];
  for (let i = 0; i < n; i++) {
    if (state.lockedUntil && state.lockedUntil > now) now = state.lockedUntil;
    const next = registerFailure(state, now);
    locks.push(next.lockMs);
    state = next.state;
  }
  return { state, locks, now };
}

describe("lockout back-off", () => {
  it("locks on the 5th failure for 1 minute, doubling up to 1 hour", () => {
    expect(lockoutThreshold).toBe(5);
    const { locks } = failRepeatedly(14);
    const minute = 60_000;
    expect(locks).toEqual([
      0,
      0,
      0,
      0,
      minute,
      2 * minute,
      4 * minute,
      8 * minute,
      16 * minute,
      32 * minute,
      60 * minute,
      60 * minute,
      60 * minute,
      60 * minute,
    ]);
    expect(lockDurationMs(1000)).toBe(maxLockMs);
  });

  it("is locked until lockedUntil, then not", () => {
    const { state, now } = failRepeatedly(5);
    expect(state.failedAttempts).toBe(5);
    expect(state.lockedUntil!.getTime() - now.getTime()).toBe(firstLockMs);
    expect(isLocked(state, now)).toBe(true);
    expect(lockRemainingMs(state, new Date(now.getTime() + 15_000))).toBe(45_000);
    expect(isLocked(state, state.lockedUntil!)).toBe(false);
    expect(lockRemainingMs(state, at(10 * firstLockMs))).toBe(0);
    expect(isLocked(clearedLockout, t0)).toBe(false);
  });

  it("forgets failures older than a day", () => {
    const { state, now } = failRepeatedly(4);
    const later = new Date(now.getTime() + failureMemoryMs + 1);
    const next = registerFailure(state, later);
    expect(next.state.failedAttempts).toBe(1);
    expect(next.lockMs).toBe(0);
    // Within the day, the count goes on and the 5th failure locks.
    const soon = registerFailure(state, new Date(now.getTime() + failureMemoryMs - 1));
    expect(soon.state.failedAttempts).toBe(5);
    expect(soon.lockMs).toBe(firstLockMs);
  });

  it("describes the wait in whole minutes, rounded up", () => {
    expect(describeWait(1)).toBe("about a minute");
    expect(describeWait(60_000)).toBe("about a minute");
    expect(describeWait(61_000)).toBe("about 2 minutes");
    expect(describeWait(maxLockMs)).toBe("about 60 minutes");
  });
});
