import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { barChart, niceTicks, summarize } from "./charts";
import { BarChart } from "./charts-view";

describe("niceTicks", () => {
  it("steps of 1, 2 or 5 × 10^k from 0 to at least the maximum", () => {
    expect(niceTicks(12)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(100)).toEqual([0, 50, 100]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(1)).toEqual([0, 1]);
    expect(niceTicks(823_450)).toEqual([0, 500_000, 1_000_000]);
  });

  it("never fractional steps (counts and cents), and a 0–1 axis for no data", () => {
    expect(niceTicks(0.4)).toEqual([0, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(-5)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });
});

describe("barChart", () => {
  const data = [
    { label: "Nov 25", value: 2 },
    { label: "Nov 26", value: 0 },
    { label: "Nov 27", value: 4 },
  ];
  const model = barChart({
    id: "c",
    title: "Applications per day",
    description: "d",
    data,
    width: 400,
    height: 200,
  });

  it("one bar per datum: the tallest reaches the top tick, zero has no height", () => {
    expect(model.plot).toEqual({ x: 56, y: 12, width: 332, height: 152 });
    expect(model.yTicks.map((t) => t.value)).toEqual([0, 1, 2, 3, 4]);
    expect(model.bars.map((b) => b.height)).toEqual([76, 0, 152]);
    const baseline = model.plot.y + model.plot.height;
    for (const bar of model.bars) expect(bar.y + bar.height).toBeCloseTo(baseline, 5);
    // Bars are centred in equal slots, left to right, inside the plot.
    expect(model.bars[0]!.x).toBeGreaterThan(model.plot.x);
    expect(model.bars[2]!.x + model.bars[2]!.width).toBeLessThan(model.plot.x + model.plot.width);
    expect(model.bars[1]!.x - model.bars[0]!.x).toBeCloseTo(332 / 3, 1);
    expect(model.empty).toBe(false);
  });

  it("labels, table rows and a formatter for values", () => {
    const money = barChart({
      id: "m",
      title: "t",
      description: "d",
      data: [{ label: "A", value: 150_000 }],
      formatValue: (cents) => `$${cents / 100}`,
      columns: ["Tier", "Amount"],
    });
    expect(money.rows).toEqual([{ label: "A", valueText: "$1500" }]);
    expect(money.columns).toEqual(["Tier", "Amount"]);
    expect(money.yTicks.at(-1)!.text).toBe("$1500");
  });

  it("thins category labels of a long series, always keeping the last (today)", () => {
    const days = Array.from({ length: 14 }, (_, i) => ({ label: `D${i + 1}`, value: i }));
    const long = barChart({ id: "l", title: "t", description: "d", data: days, width: 400 });
    const texts = long.xLabels.map((l) => l.text);
    expect(texts.length).toBeLessThan(14);
    expect(texts.at(-1)).toBe("D14");
    expect(
      barChart({ id: "l", title: "t", description: "d", data: days, labelEvery: 1 }).xLabels,
    ).toHaveLength(14);
  });

  it("all zeros or no data is an empty chart, not a division by zero", () => {
    const zero = barChart({
      id: "z",
      title: "t",
      description: "d",
      data: [{ label: "x", value: 0 }],
    });
    expect(zero.empty).toBe(true);
    expect(zero.bars[0]!.height).toBe(0);
    expect(Number.isFinite(zero.bars[0]!.y)).toBe(true);
    const none = barChart({ id: "n", title: "t", description: "d", data: [] });
    expect(none.bars).toEqual([]);
    expect(none.empty).toBe(true);
  });
});

describe("summarize", () => {
  it("the total and the first highest category", () => {
    expect(
      summarize(
        [
          { label: "Nov 26", value: 3 },
          { label: "Nov 27", value: 5 },
          { label: "Nov 28", value: 5 },
        ],
        { noun: "applications", period: "over the last 3 days" },
      ),
    ).toBe("13 applications over the last 3 days. Highest: Nov 27 (5).");
    expect(summarize([{ label: "a", value: 0 }], { noun: "decisions", period: "today" })).toBe(
      "No decisions today.",
    );
  });
});

describe("BarChart (SVG)", () => {
  it("renders an accessible inline SVG with title, desc and a data table, without inline styles", () => {
    const model = barChart({
      id: "chart-x",
      title: "Decisions by status",
      description: "5 decisions. Highest: Approved (4).",
      data: [
        { label: "Approved", value: 4, tone: "approved" },
        { label: "Declined", value: 1, tone: "declined" },
      ],
      columns: ["Status", "Applications"],
    });
    const html = renderToStaticMarkup(createElement(BarChart, { model }));
    expect(html).toContain('role="img"');
    expect(html).toContain('aria-labelledby="chart-x-title chart-x-desc"');
    expect(html).toContain('<title id="chart-x-title">Decisions by status</title>');
    expect(html).toContain('<desc id="chart-x-desc">5 decisions. Highest: Approved (4).</desc>');
    expect(html).toContain('class="chart-bar tone-declined"');
    expect(html).toContain('<th scope="col">Status</th>');
    expect(html).toContain('<th scope="row">Approved</th><td>4</td>');
    // The CSP allows no inline styles and there is no script: everything is markup.
    expect(html).not.toContain("style=");
    expect(html).not.toContain("<script");
  });
});
