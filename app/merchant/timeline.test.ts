import { describe, expect, it } from "vitest";
import { maskEmail, maskPhone, portalTimeline } from "./timeline";

const t = (minutes: number) => new Date(Date.UTC(2026, 11, 7, 12, minutes));

describe("the merchant's timeline (docs/product/merchants-and-money.md, no borrower PII)", () => {
  it("keeps only allow-listed events, in time order, and says nothing of why a decline happened", () => {
    const events = portalTimeline({
      createdAt: t(0),
      submittedAt: t(10),
      decision: { status: "declined", decidedAt: t(11) },
      loan: undefined,
      actions: [
        { action: "application.create", at: t(0) },
        { action: "application.kyc_status", at: t(5) },
        { action: "application.bank_summary_refreshed", at: t(6) },
        { action: "application.adverse_action_notice_sent", at: t(12) },
      ],
      messages: [
        { channel: "sms", template: "apply_link", status: "delivered", at: t(1) },
        { channel: "email", template: "adverse_action_notice", status: "sent", at: t(12) },
      ],
    });
    expect(events.map((e) => e.label)).toEqual([
      "Financing offered",
      "Text: Financing link (delivered)",
      "Customer submitted the application",
      "Decision: not approved",
    ]);
    expect(JSON.stringify(events)).not.toMatch(/kyc|bank|adverse|notice|reason/i);
  });

  it("shows funding", () => {
    const events = portalTimeline({
      createdAt: t(0),
      submittedAt: null,
      decision: undefined,
      loan: { fundedAt: t(30) },
      actions: [],
      messages: [],
    });
    expect(events.map((e) => e.label)).toEqual(["Financing offered", "Funded"]);
  });
});

describe("masking", () => {
  it("leaves the last four digits and the e-mail's first letter and domain", () => {
    expect(maskPhone("+15125550142")).toBe("(•••) •••-0142");
    expect(maskPhone(null)).toBe("—");
    expect(maskEmail("jamie.rivera@example.com")).toBe("j•••@example.com");
    expect(maskEmail("bad")).toBe("•••");
  });
});
