import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { SpanKind, context, propagation } from "@opentelemetry/api";
import { inFlightFetches, stopKeepAlive } from "./fetch-hook.server";
import { logger } from "./logger.server";
import { finishRequest } from "./request-finish.server";
import { redactedTarget, routePattern } from "./redact-url";
import {
  enterRequestContext,
  newRequestId,
  traceIdFrom,
  type RequestContext,
} from "./request-context.server";
import { tracer } from "./tracing.server";
import { getEnv } from "~/app/config/env.server";
import { baseSecurityHeaders } from "~/app/security/headers.server";
import { checkOrigin } from "~/app/security/origin.server";
import { firstTimeInProcess } from "~/app/singleton.server";

type Message = { request: IncomingMessage; response: ServerResponse; server?: Server };

const inFlight = new Set<ServerResponse>();
const contexts = new WeakMap<ServerResponse, RequestContext>();
const servers = new Set<Server>();
let shuttingDown = false;

/** Where a cross-site request is sent instead (app/routes/[_flowpay].cross-site-refused.ts). */
export const crossSiteRefusedPath = "/_flowpay/cross-site-refused";

/** Requests being served right now (graceful shutdown waits for them). */
// Node's HTTP server's requests plus those of the web-standard server (Deno.serve), if any.
export const inFlightRequests = () => inFlight.size + inFlightFetches();

/**
 * Graceful stop, HTTP side: from now on every response closes its connection (`Connection:
 * close`, also on in-flight responses whose headers are not sent yet), and idle keep-alive
 * connections are closed at once — so a client holding connections open cannot keep the process
 * alive until the grace period runs out. Call again while waiting: connections whose last
 * response just finished are idle now.
 */
export function closeIdleConnections() {
  shuttingDown = true;
  stopKeepAlive();
  for (const res of inFlight) {
    if (!res.headersSent) res.setHeader("Connection", "close");
  }
  for (const server of servers) server.closeIdleConnections();
}

/**
 * remix-serve owns the HTTP server and offers no middleware hook, so we watch Node's own
 * HTTP diagnostics channels: they fire for *every* request (static files included) before
 * any handler runs. There we:
 * - give the response its X-Request-Id, and its baseline security headers when its headers are
 *   written, unless the app set one itself (each header once);
 * - refuse a state-changing request whose Origin is not ours (ADR 022) by routing it to a 403,
 *   before Remix's own check would answer a bare 500; and drop X-Forwarded-Host unless
 *   TRUST_PROXY says a proxy sets it;
 * - open the request's span and context, and on finish record metrics and one log line —
 *   with the route pattern, never the raw URL (no link tokens, no OAuth codes: ADR 021);
 * - remember the server, so shutdown can close idle keep-alive connections.
 * On a runtime without these channels (Deno), entry.server.tsx sets the headers instead.
 */
export function installHttpHook() {
  if (!firstTimeInProcess("httpHook")) return;
  const trustProxy = getEnv().TRUST_PROXY;

  subscribe("http.server.request.start", (message) => {
    const { request: req, response: res, server } = message as Message;
    if (server) servers.add(server);
    const incomingId = req.headers["x-request-id"];
    const requestId =
      typeof incomingId === "string" && /^[\w.-]{8,128}$/.test(incomingId)
        ? incomingId
        : newRequestId();
    const rawUrl = req.url ?? "/";
    const path = routePattern(rawUrl);
    const target = redactedTarget(rawUrl);
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${path}`,
      {
        kind: SpanKind.SERVER,
        attributes: { "http.method": req.method, "http.target": target, "http.route": path },
      },
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
    // "close" comes after "finish", and also when the client went away before the response
    // finished — which "finish" never reports: counting on it alone left aborted requests
    // in flight forever, and shutdown waited out its whole grace period for them.
    res.once("close", () => {
      inFlight.delete(res);
      if (!res.writableFinished) finishResponse(res, true);
    });
    res.setHeader("X-Request-Id", requestId);
    applySecurityHeadersOnWrite(res, baseSecurityHeaders(undefined, path));
    if (shuttingDown) res.setHeader("Connection", "close");

    if (!trustProxy) delete req.headers["x-forwarded-host"];
    const verdict = checkOrigin(
      {
        method: req.method ?? "GET",
        origin: headerValue(req.headers.origin),
        host: req.headers.host,
        forwardedHost: headerValue(req.headers["x-forwarded-host"]),
      },
      trustProxy,
    );
    if (!verdict.ok) {
      ctx.refusedPath = path;
      req.url = crossSiteRefusedPath;
      logger.warn(
        { request_id: requestId, method: ctx.method, route: path, reason: verdict.reason },
        "cross-site request refused",
      );
    }
    enterRequestContext(ctx);
  });

  subscribe("http.server.response.finish", (message) => {
    finishResponse((message as Message).response, false);
  });
}

function headerValue(value: string | string[] | undefined) {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The baseline headers go on when the response's headers are written, each only if the app did
 * not set it (a route may choose its own value): never twice. (Express's res.append, which the
 * Remix adapter uses, would otherwise add a second copy next to one set earlier.)
 */
function applySecurityHeadersOnWrite(res: ServerResponse, headers: Record<string, string>) {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    for (const [name, value] of Object.entries(headers)) {
      if (!this.hasHeader(name)) this.setHeader(name, value);
    }
    if (shuttingDown && !this.headersSent) this.setHeader("Connection", "close");
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
}

function finishResponse(res: ServerResponse, aborted: boolean) {
  const ctx = contexts.get(res);
  if (!ctx) return;
  contexts.delete(res);
  finishRequest(ctx, res.statusCode, aborted);
}
