import client from "prom-client";
import { routePattern } from "./redact-url";
import { singleton } from "~/app/singleton.server";

/**
 * One Prometheus registry per process, a process singleton so a dev rebuild that re-imports
 * the server build does not register every metric twice.
 */
type Metrics = {
  registry: client.Registry;
  httpRequests: client.Counter<"method" | "route" | "status">;
  httpDuration: client.Histogram<"method" | "route" | "status">;
};

function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new client.Counter({
      name: "http_requests_total",
      help: "HTTP requests served, by method, route and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration in seconds, by method, route and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

export const metrics: Metrics = singleton<Metrics>("metrics", () => createMetrics());

/**
 * A bounded route label for a path: the route pattern (link tokens become ":token", ids ":id";
 * ADR 021), static assets collapse to one label, so a scanner hitting random URLs cannot blow
 * up the series count.
 */
export function routeLabel(path: string, status: number): string {
  if (path.startsWith("/build/")) return "/build/*";
  if (status === 404) return "unmatched";
  return routePattern(path);
}
