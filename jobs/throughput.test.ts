import { describe, expect, it } from "vitest";
import { crmSyncRateLimit, drainSeconds, smsRateLimit } from "./throughput";

describe("text throughput follows the sender type", () => {
  it("a long code sends one a second, a toll-free number three, a short code thirty", () => {
    expect(smsRateLimit({ senderType: "long_code", senders: 1 })).toEqual({
      max: 60,
      perMs: 60_000,
    });
    expect(smsRateLimit({ senderType: "toll_free", senders: 1 })).toEqual({
      max: 180,
      perMs: 60_000,
    });
    expect(smsRateLimit({ senderType: "short_code", senders: 1 })).toEqual({
      max: 1800,
      perMs: 60_000,
    });
  });

  it("a Messaging Service adds up its pool; other types ignore the sender count", () => {
    expect(smsRateLimit({ senderType: "messaging_service", senders: 5 }).max).toBe(300);
    expect(smsRateLimit({ senderType: "long_code", senders: 5 }).max).toBe(60);
  });

  it("an explicit rate wins, and never rounds down to nothing", () => {
    expect(smsRateLimit({ senderType: "toll_free", senders: 1, perSecondOverride: 25 }).max).toBe(
      1500,
    );
    expect(
      smsRateLimit({ senderType: "long_code", senders: 1, perSecondOverride: 0.001 }).max,
    ).toBe(1);
  });

  it("a burst of 10,000 texts drains in hours on a long code, minutes on a short code", () => {
    // The first window's 60 go at once; 10,000 needs 167 windows, the last starting 166 min in.
    expect(drainSeconds(10_000, smsRateLimit({ senderType: "long_code", senders: 1 }))).toBe(
      166 * 60,
    );
    expect(drainSeconds(10_000, smsRateLimit({ senderType: "short_code", senders: 1 }))).toBe(
      5 * 60,
    );
    expect(drainSeconds(0, crmSyncRateLimit(120))).toBe(0);
    expect(drainSeconds(120, crmSyncRateLimit(120))).toBe(0);
  });
});

describe("the runner's registry takes the configured limits", () => {
  it("a short code lets send-sms go 30× faster; CRM syncs follow their own setting", async () => {
    const { appJobRegistry } = await import("./start.server");
    const base = {
      JOB_CONCURRENCY: 1,
      JOB_POLL_INTERVAL_MS: 1000,
      JOB_LEASE_MS: 300_000,
      JOB_BATCH_SIZE: 10,
      JOB_RETENTION_DAYS: 7,
      SMS_SENDER_COUNT: 1,
      SMS_RATE_PER_SECOND: undefined,
    };
    const longCode = appJobRegistry({
      ...base,
      SMS_SENDER_TYPE: "long_code",
      CRM_SYNC_RATE_PER_MINUTE: 120,
    });
    const shortCode = appJobRegistry({
      ...base,
      SMS_SENDER_TYPE: "short_code",
      CRM_SYNC_RATE_PER_MINUTE: 30,
    });
    expect(longCode.get("send-sms")!.definition.rateLimit).toEqual({ max: 60, perMs: 60_000 });
    expect(shortCode.get("send-sms")!.definition.rateLimit).toEqual({ max: 1800, perMs: 60_000 });
    expect(shortCode.get("sync-to-crm")!.definition.rateLimit).toEqual({ max: 30, perMs: 60_000 });
    // Other kinds keep their own definitions untouched.
    const { createAppJobRegistry } = await import("./handlers/index");
    expect(shortCode.get("create-loan")!.definition).toBe(
      createAppJobRegistry().get("create-loan")!.definition,
    );
  });
});
