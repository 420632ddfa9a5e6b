import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jobMetrics } from "~/jobs/metrics.server";
import "~/app/observability/business-metrics.server";
import { watchDiskSpace } from "~/app/observability/host-metrics.server";
import { metrics } from "~/app/observability/metrics.server";
import { exportReadinessMetrics } from "~/app/observability/readiness-metrics.server";

/**
 * The alert rules shipped in docs/monitoring are checked and unit-tested with Prometheus's own
 * tool (Debian's `prometheus` package, installed by .ci/run), and every metric they name must be
 * one this app exports — a rule on a metric nobody emits never fires.
 */
const folder = "docs/monitoring";

/** What Litestream 0.3.13 (the binary the image ships) exports, read off its /metrics. */
const litestreamMetrics = [
  "litestream_db_size",
  "litestream_replica_validation_total",
  "litestream_replica_wal_bytes",
  "litestream_replica_wal_index",
  "litestream_replica_wal_offset",
  "litestream_shadow_wal_index",
  "litestream_shadow_wal_size",
  "litestream_sync_count",
  "litestream_sync_error_count",
  "litestream_sync_seconds",
  "litestream_total_wal_bytes",
  "litestream_wal_size",
];

function promtool(...args: string[]) {
  const result = spawnSync("promtool", args, { cwd: folder, encoding: "utf8" });
  if (result.error) {
    throw new Error(
      "promtool not found: install Debian's `prometheus` package (apt-get install prometheus)",
    );
  }
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("alert rules", () => {
  it("pass promtool's syntax check", () => {
    const { code, output } = promtool("check", "rules", "alerts.yml");
    expect(output).toContain("SUCCESS");
    expect(code).toBe(0);
  });

  it("fire (and stay quiet) as their unit tests expect", () => {
    const { code, output } = promtool("test", "rules", "alerts.test.yml");
    expect(output).toContain("SUCCESS");
    expect(code).toBe(0);
  });

  it("every alert has at least one unit test that fires it", () => {
    const rules = readFileSync(`${folder}/alerts.yml`, "utf8");
    const tests = readFileSync(`${folder}/alerts.test.yml`, "utf8");
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(alerts.length).toBeGreaterThanOrEqual(15);
    for (const alert of alerts) {
      // A firing case: the alert's name followed by a non-empty exp_alerts list.
      const firing = new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`);
      expect(tests, `${alert} has no firing test`).toMatch(firing);
    }
  });

  it("only name metrics that FlowPay exports", () => {
    jobMetrics();
    watchDiskSpace("data", ".");
    exportReadinessMetrics();
    const exported = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
    const rules = readFileSync(`${folder}/alerts.yml`, "utf8");
    const exprs = [...rules.matchAll(/expr: \|?\n?([\s\S]*?)\n\s+(?:for|labels):/g)].map(
      (m) => m[1]!,
    );
    const named = new Set(
      exprs.flatMap((expr) =>
        [
          ...expr.matchAll(
            /\b([a-z_]+(?:_total|_seconds|_bytes|_count|_depth|_up|_ready|_check))\b/g,
          ),
        ].map((m) => m[1]!.replace(/_bucket$/, "")),
      ),
    );
    expect(named.size).toBeGreaterThan(8);
    for (const name of named) {
      if (name === "up") continue; // Prometheus's own scrape metric
      if (name.startsWith("litestream_")) {
        // Litestream's own endpoint (ADR 041): names read off v0.3.13's /metrics.
        expect(litestreamMetrics, `${name} is not a Litestream 0.3.13 metric`).toContain(name);
        continue;
      }
      expect(exported, `alerts.yml names ${name}, which /metrics does not export`).toContain(name);
    }
  });

  it("the Grafana dashboard is valid JSON whose queries use exported metrics", () => {
    const dashboard = JSON.parse(readFileSync(`${folder}/grafana-dashboard.json`, "utf8")) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    jobMetrics();
    exportReadinessMetrics();
    const exported = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
    const titles = dashboard.panels.map((panel) => panel.title);
    // The architecture's layout: overview figures, API p95, queue depth, top errors.
    for (const title of [
      "Applications today",
      "Approval rate",
      "API error rate",
      "API p95 latency",
      "Queue depth",
      "Top partner errors (1 h)",
    ]) {
      expect(titles).toContain(title);
    }
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const names = [...target.expr.matchAll(/\b([a-z_]+?)(?:_bucket)?\{/g)].map((m) => m[1]!);
        for (const name of names) expect(exported, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });
});
