import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { Span } from "@opentelemetry/api";

/** What we know about the request being served, available anywhere below it (logs, audit). */
export type RequestContext = {
  requestId: string;
  traceId: string;
  startedAt: number;
  method: string;
  /** The route pattern of the URL, never the raw path (no link tokens: ADR 021). */
  path: string;
  /** The TCP peer address (the proxy's, behind one). */
  remoteAddress?: string;
  /** The request's server span (a no-op span when tracing is off). */
  span?: Span;
  /** A cross-site request refused by the HTTP hook: the path it was sent to (ADR 022). */
  refusedPath?: string;
};

const storage = new AsyncLocalStorage<RequestContext>();

export function getRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function newRequestId() {
  return `req_${randomBytes(12).toString("base64url")}`;
}

/** Trace id from a W3C `traceparent` header when valid, else a new random one. */
export function traceIdFrom(traceparent: string | null | undefined) {
  const match = traceparent?.match(/^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/);
  if (match && match[1] !== "0".repeat(32)) return match[1]!;
  return randomBytes(16).toString("hex");
}

/** Enters a context for the rest of the current synchronous call and everything it schedules. */
export function enterRequestContext(ctx: RequestContext) {
  storage.enterWith(ctx);
}

export function runWithRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}
