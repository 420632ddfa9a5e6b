import client from "prom-client";
import { readiness } from "~/app/readiness.server";
import { metrics } from "./metrics.server";

/**
 * `/ready` as a metric: 1 per check that passes, 0 per failing one, and `flowpay_ready` for the
 * whole. An orchestrator stops routing on /ready; the "not ready" and "database down" alerts
 * (docs/monitoring/alerts.yml) tell a person why.
 */
let registered = false;

export function exportReadinessMetrics() {
  if (registered) return;
  registered = true;
  let last: ReturnType<typeof readiness> | undefined;
  let lastAt = 0;
  // Both gauges read one evaluation per scrape.
  const evaluate = () => {
    if (!last || Date.now() - lastAt > 1000) {
      last = readiness();
      lastAt = Date.now();
    }
    return last;
  };
  new client.Gauge({
    name: "flowpay_ready",
    help: "1 while every readiness check passes (what /ready answers 200 for)",
    registers: [metrics.registry],
    async collect() {
      this.set((await evaluate()).ok ? 1 : 0);
    },
  });
  new client.Gauge({
    name: "flowpay_readiness_check",
    help: "1 per readiness check that passes, 0 per failing one (database, migrations, job_runner, …)",
    labelNames: ["check"],
    registers: [metrics.registry],
    async collect() {
      for (const [check, result] of Object.entries((await evaluate()).checks)) {
        this.set({ check }, result.ok ? 1 : 0);
      }
    },
  });
}
