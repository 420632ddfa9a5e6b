import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SpanKind, SpanStatusCode, context, propagation } from "@opentelemetry/api";
import { logger } from "./logger.server";
import { metrics, routeLabel } from "./metrics.server";
import {
  enterRequestContext,
  newRequestId,
  traceIdFrom,
  type RequestContext,
} from "./request-context.server";
import { tracer } from "./tracing.server";
import { baseSecurityHeaders } from "~/security/headers.server";

type Message = { request: IncomingMessage; response: ServerResponse };

const inFlight = new Set<ServerResponse>();
const contexts = new WeakMap<ServerResponse, RequestContext>();

/** Requests being served right now (graceful shutdown waits for them). */
export const inFlightRequests = () => inFlight.size;

/**
 * remix-serve owns the HTTP server and offers no middleware hook, so we watch Node's own
 * HTTP diagnostics channels: they fire for *every* request (static files included) before
 * any handler runs. There we give the response its X-Request-Id and baseline security
 * headers, open the request's span and context, and on finish record metrics and one log line.
 * On a runtime without these channels (Deno), entry.server.tsx sets the headers instead.
 */
export function installHttpHook() {
  const globalForHook = globalThis as unknown as { __flowpayHttpHook?: boolean };
  if (globalForHook.__flowpayHttpHook) return;
  globalForHook.__flowpayHttpHook = true;

  subscribe("http.server.request.start", (message) => {
    const { request: req, response: res } = message as Message;
    const incomingId = req.headers["x-request-id"];
    const requestId =
      typeof incomingId === "string" && /^[\w.-]{8,128}$/.test(incomingId)
        ? incomingId
        : newRequestId();
    const path = (req.url ?? "/").split("?")[0]!;
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { "http.method": req.method, "http.target": path } },
      parent,
    );
    const spanTraceId = span.spanContext().traceId;
    const traceId = span.isRecording()
      ? spanTraceId
      : traceIdFrom(
          typeof req.headers.traceparent === "string" ? req.headers.traceparent : undefined,
        );
    const ctx: RequestContext = {
      requestId,
      traceId,
      startedAt: performance.now(),
      method: req.method ?? "GET",
      path,
      remoteAddress: req.socket.remoteAddress,
      span,
    };
    contexts.set(res, ctx);
    inFlight.add(res);
    res.setHeader("X-Request-Id", requestId);
    for (const [name, value] of Object.entries(baseSecurityHeaders())) res.setHeader(name, value);
    enterRequestContext(ctx);
  });

  subscribe("http.server.response.finish", (message) => {
    const { response: res } = message as Message;
    inFlight.delete(res);
    const ctx = contexts.get(res);
    if (!ctx) return;
    const status = res.statusCode;
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
        },
        "request",
      );
    }
  });
}
