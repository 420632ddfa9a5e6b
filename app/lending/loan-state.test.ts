import { describe, expect, it } from "vitest";
import {
  applicationMayFollow,
  IllegalTransitionError,
  isFinal,
  loanTransition,
} from "./loan-state";

describe("the loan state machine", () => {
  it("moves pending_funding to funded or canceled", () => {
    expect(loanTransition("pending_funding", "funded")).toEqual({ kind: "move", to: "funded" });
    expect(loanTransition("pending_funding", "canceled")).toEqual({ kind: "move", to: "canceled" });
  });

  it("treats the same event twice as already done (replays, retries)", () => {
    expect(loanTransition("funded", "funded")).toEqual({ kind: "already", to: "funded" });
    expect(loanTransition("canceled", "canceled")).toEqual({ kind: "already", to: "canceled" });
  });

  it("refuses to cancel a funded loan or fund a canceled one", () => {
    expect(() => loanTransition("funded", "canceled")).toThrow(IllegalTransitionError);
    expect(() => loanTransition("canceled", "funded")).toThrow(
      /canceled loan cannot become funded/,
    );
    try {
      loanTransition("funded", "canceled");
    } catch (error) {
      expect((error as IllegalTransitionError).permanent).toBe(true);
    }
  });

  it("lets a lender's refusal be rerouted or canceled, never funded (ADR 032)", () => {
    expect(loanTransition("pending_funding", "lender_declined")).toEqual({
      kind: "move",
      to: "lender_declined",
    });
    expect(loanTransition("lender_declined", "lender_declined").kind).toBe("already");
    expect(loanTransition("lender_declined", "rerouted")).toEqual({
      kind: "move",
      to: "pending_funding",
    });
    expect(loanTransition("lender_declined", "canceled")).toEqual({ kind: "move", to: "canceled" });
    expect(() => loanTransition("lender_declined", "funded")).toThrow(IllegalTransitionError);
    expect(() => loanTransition("funded", "lender_declined")).toThrow(IllegalTransitionError);
    expect(isFinal("lender_declined")).toBe(false);
    expect(applicationMayFollow("pending_funding", "lender_declined")).toBe(true);
    expect(applicationMayFollow("funded", "lender_declined")).toBe(false);
  });

  it("knows the final statuses", () => {
    expect(isFinal("pending_funding")).toBe(false);
    expect(isFinal("funded")).toBe(true);
    expect(isFinal("canceled")).toBe(true);
  });

  it("lets the application follow only from the statuses that lead there", () => {
    expect(applicationMayFollow("offer_accepted", "pending_funding")).toBe(true);
    expect(applicationMayFollow("pending_funding", "funded")).toBe(true);
    expect(applicationMayFollow("funded", "funded")).toBe(true);
    expect(applicationMayFollow("offer_accepted", "funded")).toBe(false);
    expect(applicationMayFollow("approved", "pending_funding")).toBe(false);
    expect(applicationMayFollow("funded", "canceled")).toBe(false);
    expect(applicationMayFollow("pending_funding", "canceled")).toBe(true);
  });
});

describe("funding on completion (ADR 050)", () => {
  it("releases an awaiting_completion loan to pending_funding, never straight to funded", () => {
    expect(loanTransition("awaiting_completion", "released")).toEqual({
      kind: "move",
      to: "pending_funding",
    });
    expect(() => loanTransition("awaiting_completion", "funded")).toThrow(IllegalTransitionError);
    expect(() => loanTransition("funded", "released")).toThrow(IllegalTransitionError);
    expect(loanTransition("awaiting_completion", "canceled").to).toBe("canceled");
    expect(loanTransition("awaiting_completion", "lender_declined").to).toBe("lender_declined");
    expect(isFinal("awaiting_completion")).toBe(false);
  });

  it("lets the application wait for the job and then follow the release", () => {
    expect(applicationMayFollow("offer_accepted", "awaiting_completion")).toBe(true);
    expect(applicationMayFollow("awaiting_completion", "pending_funding")).toBe(true);
    expect(applicationMayFollow("awaiting_completion", "funded")).toBe(false);
    expect(applicationMayFollow("pending_funding", "awaiting_completion")).toBe(false);
  });
});
