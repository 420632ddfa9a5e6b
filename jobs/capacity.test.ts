import { describe, expect, it } from "vitest";
import { canStartWithinLease, claimWant, ewma } from "./capacity";

const base = { concurrency: 10, batchSize: 100, running: 0, buffered: 0, prefetchWindowMs: 100 };

describe("claimWant", () => {
  it("claims only free slots until a job duration is known", () => {
    expect(claimWant({ ...base, avgDurationMs: undefined })).toBe(10);
    expect(claimWant({ ...base, running: 7, avgDurationMs: undefined })).toBe(3);
    expect(claimWant({ ...base, running: 10, avgDurationMs: undefined })).toBe(0);
  });

  it("prefetches a batch for fast jobs, nothing extra for slow ones", () => {
    expect(claimWant({ ...base, avgDurationMs: 0.05 })).toBe(100);
    expect(claimWant({ ...base, running: 10, buffered: 50, avgDurationMs: 0.05 })).toBe(50);
    // 100 ms of work at 20 ms per job and 10 slots: 50 buffered jobs.
    expect(claimWant({ ...base, running: 10, avgDurationMs: 20 })).toBe(50);
    expect(claimWant({ ...base, running: 4, avgDurationMs: 2000 })).toBe(6);
    expect(claimWant({ ...base, running: 10, avgDurationMs: 2000 })).toBe(0);
  });

  it("never exceeds the batch size nor goes negative", () => {
    expect(claimWant({ ...base, batchSize: 5, avgDurationMs: 0.01 })).toBe(5);
    expect(claimWant({ ...base, running: 10, buffered: 500, avgDurationMs: 0.01 })).toBe(0);
  });
});

describe("canStartWithinLease", () => {
  it("starts a job only if its timeout ends before its lease, with a margin", () => {
    expect(canStartWithinLease(1000, 10_000, 5000, 1000)).toBe(true);
    expect(canStartWithinLease(4000, 10_000, 5000, 1000)).toBe(true);
    expect(canStartWithinLease(4001, 10_000, 5000, 1000)).toBe(false);
  });
});

describe("ewma", () => {
  it("takes the first sample, then moves a fifth of the way", () => {
    expect(ewma(undefined, 10)).toBe(10);
    expect(ewma(10, 20)).toBe(12);
  });
});
