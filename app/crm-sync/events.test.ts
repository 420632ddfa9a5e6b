import { describe, expect, it } from "vitest";
import {
  appendLine,
  appointmentLine,
  eventForStatus,
  noteText,
  shortRate,
  type SyncFacts,
} from "./events";

const facts: SyncFacts = {
  applicationId: "app_1",
  merchantName: "Acme Pest Control",
  amountCents: 750_000,
  offer: { termMonths: 36, apr: "9.990", monthlyPaymentCents: 24_197 },
  loan: {
    merchantFeeCents: 22_500,
    disbursementCents: 727_500,
    fundedAmountCents: 727_500,
    fundedAt: new Date("2026-11-30T15:00:00Z"),
  },
};

describe("what the CRM shows", () => {
  it("writes each status change in words a technician reads at a glance", () => {
    expect(noteText("link_sent", facts)).toBe(
      "FlowPay: financing link SENT to the customer for $7,500.00. (FlowPay ref app_1)",
    );
    expect(noteText("signed", facts)).toBe(
      "FlowPay: financing SIGNED for $7,500.00 — 36 months at 9.99% APR, $241.97/month; funding in progress. (FlowPay ref app_1)",
    );
    expect(noteText("funded", facts)).toBe(
      "FlowPay: financing FUNDED — $7,500.00 paid: $7,275.00 to Acme Pest Control after the $225.00 merchant fee, on 2026-11-30. (FlowPay ref app_1)",
    );
    expect(noteText("declined", facts)).not.toMatch(/score|reason/i);
    // A lender's refusal after the signature (ADR 032): the technician knows not to expect payment.
    expect(noteText("lender_declined", facts)).toMatch(
      /LENDER DECLINED .* nothing will be paid yet/,
    );
    expect(appointmentLine("lender_declined", facts, new Date("2026-12-01T00:00:00Z"))).toBe(
      "FlowPay financing: LENDER DECLINED $7,500.00 (2026-12-01)",
    );
    expect(eventForStatus("lender_declined")).toBe("lender_declined");
    expect(noteText("lender_rerouted", facts)).toMatch(/REROUTED .* signs a new agreement/);
    expect(appointmentLine("funded", facts, new Date("2026-12-01T00:00:00Z"))).toBe(
      "FlowPay financing: FUNDED $7,500.00 (2026-11-30)",
    );
  });

  it("appends a line and keeps what was there", () => {
    expect(appendLine("Gate code 1234\n\n", "FlowPay …")).toBe("Gate code 1234\nFlowPay …");
    expect(appendLine("", "FlowPay …")).toBe("FlowPay …");
  });

  it("maps statuses to the change the CRM should show last", () => {
    expect(eventForStatus("in_progress")).toBe("link_sent");
    expect(eventForStatus("pending_funding")).toBe("signed");
    expect(eventForStatus("funded")).toBe("funded");
    expect(eventForStatus("expired")).toBeNull();
  });

  it("shortens rates without losing precision", () => {
    expect(shortRate("9.990")).toBe("9.99");
    expect(shortRate("10.500")).toBe("10.50");
    expect(shortRate("0.000")).toBe("0.00");
    expect(shortRate("9.995")).toBe("9.995");
  });
});

describe("funding on completion in the CRM (ADR 050)", () => {
  const waiting: SyncFacts = {
    applicationId: "app_1",
    merchantName: "Greenway Landscaping",
    amountCents: 750_000,
    offer: null,
    loan: null,
  };

  it("tells the technician the payment waits for the job, then that it was released", () => {
    expect(noteText("awaiting_completion", waiting)).toMatch(
      /SIGNED for \$7,500\.00 — the payment WAITS for the job: .*mark it complete/,
    );
    expect(noteText("released", waiting)).toMatch(
      /payment RELEASED for \$7,500\.00 .*the lender pays Greenway Landscaping next/,
    );
    expect(appointmentLine("released", waiting, new Date("2026-12-07T12:00:00Z"))).toBe(
      "FlowPay financing: PAYMENT RELEASED $7,500.00 (2026-12-07)",
    );
    expect(eventForStatus("awaiting_completion")).toBe("awaiting_completion");
  });
});
