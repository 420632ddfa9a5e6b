import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  autoReleaseAt,
  disbursementParts,
  parseProblem,
  releaseStage,
  upfrontCentsFor,
} from "./release";

describe("funding on completion: what is paid when (ADR 050)", () => {
  it("pays nothing upfront on signature plans, and at most half on completion plans", () => {
    expect(
      upfrontCentsFor({ mode: "on_signature", upfrontReleaseBps: 5000, amountCents: 100_00 }),
    ).toBe(0);
    expect(
      upfrontCentsFor({ mode: "on_completion", upfrontReleaseBps: 0, amountCents: 100_00 }),
    ).toBe(0);
    expect(
      upfrontCentsFor({ mode: "on_completion", upfrontReleaseBps: 3000, amountCents: 100_01 }),
    ).toBe(30_00);
    // A plan asking for more than half is capped at half (docs/product/merchants-and-money.md).
    expect(
      upfrontCentsFor({ mode: "on_completion", upfrontReleaseBps: 9000, amountCents: 100_00 }),
    ).toBe(50_00);
  });

  it("splits amount, fee and disbursement into two parts that add up exactly", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10_000_000 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        (amountCents, feeBps, bps) => {
          const merchantFeeCents = Math.floor((amountCents * feeBps) / 10_000);
          const upfrontCents = upfrontCentsFor({
            mode: "on_completion",
            upfrontReleaseBps: bps,
            amountCents,
          });
          const { upfront, onCompletion } = disbursementParts({
            amountCents,
            merchantFeeCents,
            upfrontCents,
          });
          const parts = upfront ? [upfront, onCompletion] : [onCompletion];
          const sum = (key: "amountCents" | "merchantFeeCents" | "disbursementCents") =>
            parts.reduce((total, part) => total + part[key], 0);
          expect(sum("amountCents")).toBe(amountCents);
          expect(sum("merchantFeeCents")).toBe(merchantFeeCents);
          expect(sum("disbursementCents")).toBe(amountCents - merchantFeeCents);
          for (const part of parts) {
            expect(part.merchantFeeCents).toBeGreaterThanOrEqual(0);
            expect(part.disbursementCents).toBeGreaterThanOrEqual(0);
          }
          if (upfront) expect(upfront.amountCents).toBeLessThanOrEqual(onCompletion.amountCents);
        },
      ),
    );
  });

  it("pays the whole loan in one part without a progress plan", () => {
    expect(
      disbursementParts({ amountCents: 500_00, merchantFeeCents: 15_00, upfrontCents: 0 }),
    ).toEqual({
      upfront: null,
      onCompletion: { amountCents: 500_00, merchantFeeCents: 15_00, disbursementCents: 485_00 },
    });
  });

  it("releases itself exactly 7 days after the job was marked complete", () => {
    expect(autoReleaseAt(new Date("2026-12-07T10:00:00Z")).toISOString()).toBe(
      "2026-12-14T10:00:00.000Z",
    );
  });

  it("says where a loan waiting for the job stands", () => {
    const base = {
      status: "awaiting_completion",
      completionMarkedAt: null,
      releasedAt: null,
      releasePausedAt: null,
    };
    const at = new Date();
    expect(releaseStage(base)).toBe("waiting_for_job");
    expect(releaseStage({ ...base, completionMarkedAt: at })).toBe("awaiting_release");
    expect(releaseStage({ ...base, completionMarkedAt: at, releasePausedAt: at })).toBe("paused");
    expect(releaseStage({ ...base, status: "pending_funding", releasedAt: at })).toBe("released");
    expect(releaseStage({ ...base, status: "funded" })).toBe("released");
  });

  it("wants a short description of a problem", () => {
    expect(parseProblem("  The   fence is\nnot finished ")).toEqual({
      ok: true,
      value: "The fence is not finished",
    });
    expect(parseProblem("bad").ok).toBe(false);
    expect(parseProblem(undefined).ok).toBe(false);
    expect(parseProblem("x".repeat(1001)).ok).toBe(false);
  });
});
