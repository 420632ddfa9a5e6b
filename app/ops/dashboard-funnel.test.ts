import { describe, expect, it } from "vitest";
import { parseFilters } from "./applications";
import { dayMs } from "./dashboard";
import {
  agingBounds,
  agingBucketOf,
  applicationsLink,
  funnelRows,
  parseRange,
  rangeSearch,
} from "./dashboard-funnel";

const now = Date.UTC(2026, 11, 7, 15, 30, 0);
const range = (query: string) => parseRange(new URLSearchParams(query), now);

describe("dashboard range", () => {
  it("presets are the last N UTC days, today included; 30 by default", () => {
    expect(range("").range).toMatchObject({
      preset: "30",
      from: "2026-11-08",
      to: "2026-12-07",
      days: 30,
    });
    expect(range("range=7").range).toMatchObject({ from: "2026-12-01", to: "2026-12-07", days: 7 });
    expect(range("range=90").range).toMatchObject({ from: "2026-09-09", days: 90 });
    expect(range("range=7").error).toBeNull();
    expect(rangeSearch(range("range=7").range)).toBe("?range=7");
  });

  it("a custom range takes both dates, inclusive", () => {
    const r = range("range=custom&from=2026-10-01&to=2026-10-31").range;
    expect(r).toMatchObject({ preset: "custom", days: 31, label: "Oct 1 – Oct 31 2026" });
    expect(rangeSearch(r)).toBe("?range=custom&from=2026-10-01&to=2026-10-31");
    // Dates alone (a bookmarked list link) are a custom range too; "to" defaults to today.
    expect(range("from=2026-12-01").range).toMatchObject({ preset: "custom", days: 7 });
  });

  it("refuses reversed, future, impossible or over-long ranges, falling back to 30 days", () => {
    for (const [query, message] of [
      ["range=custom&from=2026-10-31&to=2026-10-01", /after its end/],
      ["range=custom&from=2026-12-01&to=2026-12-08", /after today/],
      ["range=custom&from=2026-02-30&to=2026-03-01", /start and an end/],
      ["range=custom&from=2024-01-01&to=2026-12-07", /at most 366 days/],
      ["range=custom", /start and an end/],
      ["range=12", /Unknown range/],
    ] as const) {
      const { range: r, error } = range(query);
      expect(error, query).toMatch(message);
      expect(r.preset).toBe("30");
    }
  });
});

describe("funnel conversion", () => {
  it("conversion from the step before and from links sent; none after a step of zero", () => {
    const rows = funnelRows({ sent: 200, opened: 150, submitted: 120, decided: 0, signed: 0 });
    expect(rows.map((r) => [r.step, r.count, r.fromPrevious, r.fromSent])).toEqual([
      ["sent", 200, null, null],
      ["opened", 150, 0.75, 0.75],
      ["submitted", 120, 0.8, 0.6],
      ["decided", 0, 0, 0],
      ["signed", 0, null, 0],
      ["funded", 0, null, 0],
    ]);
  });

  it("nothing sent: counts of zero, no rates", () => {
    expect(funnelRows({}).every((r) => r.count === 0 && r.fromSent === null)).toBe(true);
  });

  it("a later step never shows more than the one before it", () => {
    expect(funnelRows({ sent: 3, opened: 5 }).map((r) => r.count)).toEqual([3, 3, 0, 0, 0, 0]);
  });
});

describe("funding aging", () => {
  it("buckets by days since signing, boundaries in the older bucket", () => {
    const cases: [number, string][] = [
      [-5_000, "d0"],
      [0, "d0"],
      [dayMs - 1, "d0"],
      [dayMs, "d1"],
      [3 * dayMs - 1, "d1"],
      [3 * dayMs, "d3"],
      [7 * dayMs, "d7"],
      [14 * dayMs - 1, "d7"],
      [14 * dayMs, "d14"],
      [400 * dayMs, "d14"],
    ];
    for (const [age, bucket] of cases) expect(agingBucketOf(age), String(age)).toBe(bucket);
  });

  it("the list's bounds select exactly the bucket's signatures", () => {
    for (const signedAgo of [0, dayMs - 1, dayMs, 2 * dayMs, 3 * dayMs, 10 * dayMs, 30 * dayMs]) {
      const bucket = agingBucketOf(signedAgo);
      const { after, atOrBefore } = agingBounds(bucket, now);
      const signedAt = now - signedAgo;
      expect(
        signedAt <= atOrBefore && (after === null || signedAt > after),
        String(signedAgo),
      ).toBe(true);
    }
  });
});

describe("drill-down links", () => {
  it("open the applications list with the filters the list understands", () => {
    const r = range("range=7").range;
    const href = applicationsLink({
      range: r,
      stage: "signed",
      merchantId: "mer_0123456789abcdef",
    });
    expect(href).toBe(
      "/ops/applications?stage=signed&merchant=mer_0123456789abcdef&from=2026-12-01&to=2026-12-07",
    );
    const { filters, errors } = parseFilters(new URL(href, "http://x").searchParams);
    expect(errors).toEqual([]);
    expect(filters).toMatchObject({ stage: "signed", from: "2026-12-01", to: "2026-12-07" });
    expect(parseFilters(new URLSearchParams("aging=d3")).filters.aging).toBe("d3");
    expect(parseFilters(new URLSearchParams("stage=sent&aging=x")).errors).toEqual([
      "Unknown funnel step ignored.",
      "Unknown funding age ignored.",
    ]);
  });
});
