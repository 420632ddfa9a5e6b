import { SpanKind, context, propagation } from "@opentelemetry/api";
import { logger } from "./logger.server";
import { finishRequest } from "./request-finish.server";
import { redactedTarget, routePattern } from "./redact-url";
import {
  newRequestId,
  runWithRequestContext,
  traceIdFrom,
  type RequestContext,
} from "./request-context.server";
import { tracer } from "./tracing.server";
import { getEnv } from "~/app/config/env.server";
import { baseSecurityHeaders } from "~/app/security/headers.server";
import { checkRequestOrigin, crossSiteRefusal } from "~/app/security/origin.server";

/**
 * The HTTP hook (http-hook.server.ts) for a web-standard server — Deno's own `Deno.serve`
 * (scripts/serve-deno.ts), where Node's HTTP diagnostics channels do not exist. It does what the
 * hook does on Node, so a request on either runtime gets the same headers and the same log line:
 * an X-Request-Id, the baseline security headers (each once: a route's own value wins), the
 * Origin policy's 403 before any action runs (ADR 022), X-Forwarded-Host only behind a trusted
 * proxy, a server span, metrics, and one JSON log line with the route pattern — never the raw URL
 * (ADR 021). In-flight requests are counted for the graceful stop.
 */
export type FetchHandler = (request: Request) => Promise<Response>;

let inFlight = 0;
let stopping = false;

/** Requests being served by the web-standard server right now. */
export const inFlightFetches = () => inFlight;

/** From now on every response asks its client to close the connection (graceful stop). */
export function stopKeepAlive() {
  stopping = true;
}

export function observeFetch(handler: FetchHandler) {
  const trustProxy = getEnv().TRUST_PROXY;
  return async (incoming: Request, remoteAddress?: string): Promise<Response> => {
    inFlight++;
    const url = new URL(incoming.url);
    const rawTarget = `${url.pathname}${url.search}`;
    const path = routePattern(rawTarget);
    const incomingId = incoming.headers.get("x-request-id");
    const requestId =
      incomingId && /^[\w.-]{8,128}$/.test(incomingId) ? incomingId : newRequestId();
    const parent = propagation.extract(context.active(), Object.fromEntries(incoming.headers));
    const span = tracer.startSpan(
      `${incoming.method} ${path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.method": incoming.method,
          "http.target": redactedTarget(rawTarget),
          "http.route": path,
        },
      },
      parent,
    );
    const ctx: RequestContext = {
      requestId,
      traceId: span.isRecording()
        ? span.spanContext().traceId
        : traceIdFrom(incoming.headers.get("traceparent")),
      startedAt: performance.now(),
      method: incoming.method,
      path,
      remoteAddress,
      span,
    };
    let request = incoming;
    if (!trustProxy && incoming.headers.has("x-forwarded-host")) {
      const headers = new Headers(incoming.headers);
      headers.delete("x-forwarded-host");
      request = new Request(incoming, { headers });
    }
    let status = 500;
    try {
      const response = await runWithRequestContext(ctx, async () => {
        const verdict = checkRequestOrigin(request, trustProxy);
        if (!verdict.ok) {
          logger.warn(
            { request_id: requestId, method: ctx.method, route: path, reason: verdict.reason },
            "cross-site request refused",
          );
          return crossSiteRefusal(path);
        }
        return handler(request);
      });
      status = response.status;
      return withBaselineHeaders(response, requestId, path);
    } finally {
      inFlight--;
      finishRequest(ctx, status);
    }
  };
}

function withBaselineHeaders(response: Response, requestId: string, path: string): Response {
  const headers = new Headers(response.headers);
  if (!headers.has("X-Request-Id")) headers.set("X-Request-Id", requestId);
  for (const [name, value] of Object.entries(baseSecurityHeaders(undefined, path))) {
    if (!headers.has(name)) headers.set(name, value);
  }
  if (stopping) headers.set("Connection", "close");
  // A new Response: the one a handler returns may have immutable headers (fetch responses).
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
