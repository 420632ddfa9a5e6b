import { SpanStatusCode } from "@opentelemetry/api";
import { logger } from "./logger.server";
import { metrics, routeLabel } from "./metrics.server";
import type { RequestContext } from "./request-context.server";

/**
 * The end of one served request, the same on every server (Node's HTTP hook, the web-standard
 * fetch hook): metrics, the span's status, and one JSON log line with the route pattern (never
 * the raw URL, ADR 021). Static build assets are counted but not logged.
 */
export function finishRequest(ctx: RequestContext, status: number, aborted = false) {
  const seconds = (performance.now() - ctx.startedAt) / 1000;
  const labels = {
    method: ctx.method,
    route: routeLabel(ctx.path, status),
    status: String(status),
  };
  metrics.httpRequests.inc(labels);
  metrics.httpDuration.observe(labels, seconds);
  ctx.span?.setAttribute("http.status_code", status);
  if (status >= 500) ctx.span?.setStatus({ code: SpanStatusCode.ERROR });
  ctx.span?.end();
  if (!ctx.path.startsWith("/build/")) {
    logger.info(
      {
        request_id: ctx.requestId,
        trace_id: ctx.traceId,
        method: ctx.method,
        route: labels.route,
        path: ctx.path,
        status,
        duration_ms: Math.round(seconds * 10_000) / 10,
        ...(aborted ? { aborted: true } : {}),
      },
      "request",
    );
  }
}
