import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, idempotencyKeyFor, jobPriority, JobRegistry } from "./registry";

describe("defineJob", () => {
  it("applies the defaults: notification priority, 5 attempts, 60 s timeout", () => {
    const job = defineJob({ kind: "send-email", schema: z.object({ to: z.string() }) });
    expect(job).toMatchObject({
      priority: jobPriority.notification,
      maxAttempts: 5,
      timeoutMs: 60_000,
    });
    expect(job.rateLimit).toBeUndefined();
  });

  it("orders create-loan before sync-to-crm before notifications", () => {
    expect(jobPriority.createLoan).toBeLessThan(jobPriority.syncToCrm);
    expect(jobPriority.syncToCrm).toBeLessThan(jobPriority.notification);
  });

  it("refuses nonsensical definitions", () => {
    const schema = z.object({});
    expect(() => defineJob({ kind: "Bad Kind", schema })).toThrow(/kebab-case/);
    expect(() => defineJob({ kind: "x", schema, maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => defineJob({ kind: "x", schema, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => defineJob({ kind: "x", schema, priority: 1.5 })).toThrow(/priority/);
    expect(() => defineJob({ kind: "x", schema, rateLimit: { max: 0, perMs: 1000 } })).toThrow(
      /rateLimit/,
    );
  });
});

describe("JobRegistry", () => {
  it("registers one handler per kind", async () => {
    const job = defineJob({ kind: "ping", schema: z.object({}) });
    const registry = new JobRegistry().handle(job, async () => {});
    expect(registry.get("ping")?.definition).toBe(job);
    expect(registry.size).toBe(1);
    expect(() => registry.handle(job, async () => {})).toThrow(/twice/);
  });
});

describe("idempotencyKeyFor", () => {
  it("depends on the row and its creation time only", () => {
    expect(idempotencyKeyFor({ id: 42, createdAt: 1_700_000_000_000 })).toBe(
      idempotencyKeyFor({ id: 42, createdAt: 1_700_000_000_000 }),
    );
    expect(idempotencyKeyFor({ id: 42, createdAt: 1_700_000_000_000 })).not.toBe(
      idempotencyKeyFor({ id: 42, createdAt: 1_700_000_000_001 }),
    );
  });
});
