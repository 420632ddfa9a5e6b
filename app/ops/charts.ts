/**
 * Server-rendered charts for FlowOps: pure geometry for bar charts (no DOM, no JavaScript in the
 * browser). charts-view.tsx turns a model into an inline SVG with <title>/<desc> and a data-table
 * fallback; everything here is unit-tested.
 */
export type ChartDatum = {
  label: string;
  value: number;
  /** A CSS modifier for the bar (e.g. a decision status); "default" when absent. */
  tone?: string;
};

export type BarChartSpec = {
  id: string;
  title: string;
  /** What the chart shows, for screen readers (<desc>); summarize() writes a good one. */
  description: string;
  data: readonly ChartDatum[];
  /** How values read in labels and the table (default: the integer with thousands separators). */
  formatValue?: (value: number) => string;
  width?: number;
  height?: number;
  /** Show every n-th category label under the axis (long series); default: fit to width. */
  labelEvery?: number;
  /** Headers of the data table: [category, value]. */
  columns?: [string, string];
};

export type BarModel = {
  label: string;
  value: number;
  valueText: string;
  tone: string;
  x: number;
  y: number;
  width: number;
  height: number;
};

export type BarChartModel = {
  id: string;
  title: string;
  description: string;
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
  yTicks: { value: number; y: number; text: string }[];
  bars: BarModel[];
  xLabels: { x: number; y: number; text: string }[];
  /** The accessible data-table fallback: its headers, and rows in data order. */
  columns: [string, string];
  rows: { label: string; valueText: string }[];
  empty: boolean;
};

const defaultFormat = (value: number) => Math.round(value).toLocaleString("en-US");

/** Rounds to 2 decimals so the SVG markup stays short and deterministic. */
const r2 = (n: number) => Math.round(n * 100) / 100;

/**
 * "Nice" axis ticks from 0 to at least `max`: steps of 1, 2 or 5 × 10^k, about `target` of them.
 * Integer data (counts, cents) never gets fractional ticks below 1.
 */
export function niceTicks(max: number, target = 4): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const rough = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough && s >= 1) ??
    Math.max(1, 10 * magnitude);
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

/** Bar chart geometry: categories along x, values from 0 up; negative values are drawn as 0. */
export function barChart(spec: BarChartSpec): BarChartModel {
  const width = spec.width ?? 640;
  const height = spec.height ?? 240;
  const format = spec.formatValue ?? defaultFormat;
  const margin = { top: 12, right: 12, bottom: 36, left: 56 };
  const plot = {
    x: margin.left,
    y: margin.top,
    width: width - margin.left - margin.right,
    height: height - margin.top - margin.bottom,
  };
  const values = spec.data.map((d) => (Number.isFinite(d.value) ? Math.max(0, d.value) : 0));
  const ticks = niceTicks(Math.max(0, ...values));
  const top = ticks[ticks.length - 1]!;
  const yOf = (value: number) => plot.y + plot.height - (value / top) * plot.height;

  const count = spec.data.length;
  const slot = count > 0 ? plot.width / count : plot.width;
  const barWidth = slot * 0.7;
  const bars = spec.data.map((d, i) => {
    const value = values[i]!;
    const y = yOf(value);
    return {
      label: d.label,
      value: d.value,
      valueText: format(d.value),
      tone: d.tone ?? "default",
      x: r2(plot.x + i * slot + (slot - barWidth) / 2),
      y: r2(y),
      width: r2(barWidth),
      height: r2(plot.y + plot.height - y),
    };
  });

  // About 60 px per label fits "Nov 27" at 11 px; thin the labels of long series.
  const every = spec.labelEvery ?? Math.max(1, Math.ceil((count * 60) / plot.width));
  const xLabels = spec.data
    .map((d, i) => ({
      x: r2(plot.x + i * slot + slot / 2),
      y: r2(plot.y + plot.height + 16),
      text: d.label,
      i,
    }))
    .filter(({ i }) => (count - 1 - i) % every === 0)
    .map(({ x, y, text }) => ({ x, y, text }));

  return {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    width,
    height,
    plot,
    yTicks: ticks.map((value) => ({ value, y: r2(yOf(value)), text: format(value) })),
    bars,
    xLabels,
    columns: spec.columns ?? ["Category", "Value"],
    rows: spec.data.map((d) => ({ label: d.label, valueText: format(d.value) })),
    empty: values.every((v) => v === 0),
  };
}

/**
 * A short description of a series for <desc>: the total and the highest category (the first
 * one when tied), e.g. "45 applications over the last 14 days. Highest: Nov 20 (12)."
 */
export function summarize(
  data: readonly ChartDatum[],
  words: { noun: string; period: string; format?: (value: number) => string },
): string {
  const format = words.format ?? defaultFormat;
  const total = data.reduce((sum, d) => sum + d.value, 0);
  if (data.length === 0 || total === 0) return `No ${words.noun} ${words.period}.`;
  let top = data[0]!;
  for (const d of data) if (d.value > top.value) top = d;
  return `${format(total)} ${words.noun} ${words.period}. Highest: ${top.label} (${format(top.value)}).`;
}
