import { describe, expect, it } from "vitest";
import { sandboxCreditor } from "~/app/lending/creditors";
import type { CreditInput } from "./inputs";
import { buildScoreNotice, ranksHigherThanPercent, scoreDistribution } from "./score-notice";

const range = { min: 300, max: 850 };

function credit(score: number | null, factors: string[], inquiriesAt?: number): CreditInput {
  return {
    status: "ok",
    report: {
      bureau: "experian",
      pulledAt: "2026-12-01T10:00:00Z",
      reportDate: "2026-12-01",
      score,
      scoreModel: "FICO 8",
      scoreRange: range,
      scoreFactors: factors.map((description, i) => ({
        code: `F${i}`,
        description,
        ...(i === inquiriesAt ? { inquiries: true } : {}),
      })),
      tradelines: [],
      publicRecords: [],
      inquiries: [],
    },
  } as unknown as CreditInput;
}

describe("where a score falls among consumers", () => {
  it("the distribution covers 300–850 and sums to 100 %", () => {
    expect(scoreDistribution.reduce((n, band) => n + band.percent, 0)).toBe(100);
    expect(scoreDistribution[0]!.min).toBe(300);
    expect(scoreDistribution.at(-1)!.max).toBe(850);
  });

  it("counts the bands below and the share of its own band below it, rounded down", () => {
    expect(ranksHigherThanPercent(300, range)).toBe(0);
    expect(ranksHigherThanPercent(700, range)).toBe(38); // 3+5+7+10+13
    expect(ranksHigherThanPercent(725, range)).toBe(46); // 38 + 17·25/50 = 46.5
    expect(ranksHigherThanPercent(850, range)).toBe(99);
    expect(ranksHigherThanPercent(700, { min: 501, max: 990 })).toBeNull();
  });
});

describe("the H-3 notice", () => {
  it("carries the report's score, range, date, source and up to four key factors", () => {
    const notice = buildScoreNotice({
      applicantName: "Dana Rivera",
      credit: credit(712, ["A", "B", "C", "D", "Too many inquiries"], 4),
      creditor: sandboxCreditor,
    })!;
    expect(notice).toMatchObject({
      score: 712,
      range,
      date: "2026-12-01",
      creditorName: sandboxCreditor.legalName,
    });
    // Inquiries were a key factor beyond the first four: added as a fifth (FCRA §609(f)(1)(C)).
    expect(notice.keyFactors).toEqual(["A", "B", "C", "D", "Too many inquiries"]);
    const text = notice.sections.flatMap((s) => s.lines).join("\n");
    expect(text).toContain("Your credit score: 712");
    expect(text).toContain("Scores range from a low of 300 to a high of 850.");
    expect(text).toContain("ranks higher than 42 percent of U.S. consumers"); // 38 + 17·12/50
    expect(text).toContain("Experian, P.O. Box 2002, Allen, TX 75013");
    expect(text).toContain(sandboxCreditor.address);
  });

  it("is not given when no score was used", () => {
    expect(
      buildScoreNotice({ applicantName: "A", credit: credit(null, []), creditor: sandboxCreditor }),
    ).toBeNull();
    expect(
      buildScoreNotice({
        applicantName: "A",
        credit: { status: "unavailable", reasonCode: "bureau_unavailable", detail: "timeout" },
        creditor: sandboxCreditor,
      }),
    ).toBeNull();
  });
});
