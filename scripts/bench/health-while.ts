import { percentile as nearestRank } from "~/app/ops/dashboard";

/** /health must answer within this (p95) while the heaviest page renders (issue 19, ADR 083). */
export const healthLimitMs = 50;

const roundTo = (value: number, digits: number) => Number(value.toFixed(digits));
const percentile = (values: number[], p: number) => nearestRank(values, p) ?? Number.NaN;

/**
 * Issue 19, "no request holds the event loop on a database query": the page with the highest
 * p95 measured (not /health, not the CRM API) is rendered in a loop while /health is timed — at
 * least 40 samples, 25 ms apart. With the pages' reads in reader threads (ADR 083) /health waits
 * for no query; its p95 must stay under `healthLimitMs`.
 */
export async function healthWhileRendering(
  url: string,
  pages: [string, string, Record<string, string>][],
  results: Record<string, { p50: number; p95: number }>,
  samples: number,
  /** One request's time in ms (scale.ts's `timed`: a non-200 answer throws). */
  timed: (url: string, headers: Record<string, string>) => Promise<number>,
) {
  const candidates = pages.filter(
    ([name, path]) => path !== "/health" && !path.startsWith("/api/") && results[name],
  );
  const [page, path, headers] = candidates.reduce((a, b) =>
    results[b[0]]!.p95 > results[a[0]]!.p95 ? b : a,
  );
  let rendering = true;
  let renders = 0;
  const loop = (async () => {
    while (rendering) {
      await timed(url + path, headers);
      renders++;
    }
  })();
  const health: number[] = [];
  for (let s = 0; s < Math.max(samples, 40); s++) {
    health.push(await timed(`${url}/health`, {}));
    await new Promise((done) => setTimeout(done, 25));
  }
  rendering = false;
  await loop;
  const p95 = roundTo(percentile(health, 95), 1);
  return {
    page,
    renders,
    p50: roundTo(percentile(health, 50), 1),
    p95,
    max: roundTo(Math.max(...health), 1),
    limitMs: healthLimitMs,
    ok: p95 < healthLimitMs,
  };
}
