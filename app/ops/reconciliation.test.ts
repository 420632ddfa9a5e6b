import { describe, expect, it } from "vitest";
import { firstIssue, itemView, reconcileForm, resolveForm, yesterday } from "./reconciliation";

describe("the reconciliation screens' words and forms", () => {
  it("shows an item's two sides and their difference, a missing side as nothing", () => {
    const view = itemView({
      id: "rci_1",
      settlementDate: "2026-12-06",
      lender: "mock",
      loanId: "loan_1",
      kind: "disbursement",
      issue: "missing_in_ledger",
      lenderCents: 432_100,
      ledgerCents: null,
    });
    expect(view).toMatchObject({
      date: "2026-12-06",
      kind: "Disbursement",
      issue: "The lender reports it; our ledger has nothing",
      differenceCents: 432_100,
    });
  });

  it("asks for a note that says something, and a date as YYYY-MM-DD", () => {
    const blank = resolveForm.safeParse({ note: "  " });
    expect(blank.success).toBe(false);
    expect(firstIssue(blank.error!)).toMatch(/at least 3 characters/);
    expect(resolveForm.parse({ note: " Posted a correction. " }).note).toBe("Posted a correction.");
    expect(reconcileForm.safeParse({ date: "6/12/2026" }).success).toBe(false);
    expect(yesterday(new Date("2026-12-07T00:30:00Z"))).toBe("2026-12-06");
  });
});
