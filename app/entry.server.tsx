import * as ReactDOMServer from "react-dom/server";
import { PassThrough } from "node:stream";
import type { EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer, isRouteErrorResponse } from "@remix-run/react";
import { isbot } from "isbot";
import { unavailableReason } from "~/db/errors";
import { unavailableRetryAfterSeconds } from "./api/errors.server";
import { boot } from "./boot.server";
import { getEnv } from "./config/env.server";
import { NonceProvider } from "./nonce";
import { logger } from "./observability/logger.server";
import { routePattern } from "./observability/redact-url";
import { getRequestContext, newRequestId } from "./observability/request-context.server";
import { baseSecurityHeaders, contentSecurityPolicy, newNonce } from "./security/headers.server";

// Migrations, seed and configuration checks finish before remix-serve listens.
await boot();

/**
 * For a web-standard server (scripts/serve-deno.ts): it reaches the process's one copy of these
 * through the server build (`build.entry.module`), so metrics, logs and the graceful stop are
 * shared with everything else in the build.
 */
export { observeFetch } from "./observability/fetch-hook.server";

const streamTimeoutMs = 5_000;
export const streamTimeout = streamTimeoutMs;

/**
 * Requests whose loader or action failed because the database cannot write (ADR 024): their page
 * answers 503 with Retry-After instead of 500 — borrower and FlowOps pages alike.
 */
const unavailable = new WeakSet<Request>();

/** Errors Remix catches in loaders/actions/rendering are logged once, with the request id. */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  const reason = unavailableReason(error);
  if (reason) {
    unavailable.add(request);
    logger.warn(
      { err: error, reason, url: routePattern(new URL(request.url).pathname) },
      "database unavailable",
    );
    return;
  }
  // Route error responses below 500 (a 404 for an unknown URL) are answers, not failures.
  if (isRouteErrorResponse(error) && error.status < 500) return;
  // The route pattern, never the raw path: borrower URLs hold the link token (ADR 021).
  logger.error({ err: error, url: routePattern(new URL(request.url).pathname) }, "unhandled error");
};

/** The same for data requests (forms submitted with JavaScript on): 503 with Retry-After. */
export function handleDataRequest(response: Response, { request }: { request: Request }) {
  if (!unavailable.has(request) || response.status < 500) return response;
  const headers = new Headers(response.headers);
  headers.set("Retry-After", String(unavailableRetryAfterSeconds));
  return new Response(response.body, { status: 503, headers });
}

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  const nonce = newNonce();
  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  if (unavailable.has(request)) responseStatusCode = 503;
  // A page answering 503 — an error page, or a borrower form an action sent back (its own
  // headers do not reach the document) — always says when to come back.
  if (responseStatusCode === 503 && !responseHeaders.has("Retry-After")) {
    responseHeaders.set("Retry-After", String(unavailableRetryAfterSeconds));
  }
  const plaidLink =
    Boolean(getEnv().PLAID_CLIENT_ID) && new URL(request.url).pathname.startsWith("/apply/");
  responseHeaders.set("Content-Security-Policy", contentSecurityPolicy(nonce, { plaidLink }));
  // Node: the HTTP hook already set X-Request-Id and the baseline headers on the response.
  // Elsewhere (Deno) there is no hook, so the document carries them itself.
  if (!getRequestContext()) {
    responseHeaders.set("X-Request-Id", newRequestId());
    const path = new URL(request.url).pathname;
    for (const [name, value] of Object.entries(baseSecurityHeaders(undefined, path)))
      responseHeaders.set(name, value);
  }
  const app = (
    <NonceProvider value={nonce}>
      <RemixServer
        context={remixContext}
        url={request.url}
        nonce={nonce}
        abortDelay={streamTimeoutMs}
      />
    </NonceProvider>
  );
  const waitForAll = isbot(request.headers.get("user-agent") ?? "") || remixContext.isSpaMode;

  // Deno resolves react-dom/server to its browser build, which has only renderToReadableStream.
  const server = ReactDOMServer as Partial<typeof ReactDOMServer>;
  if (!server.renderToPipeableStream) {
    const body = await ReactDOMServer.renderToReadableStream(app, {
      nonce,
      signal: request.signal,
      onError(error: unknown) {
        responseStatusCode = 500;
        logger.error({ err: error }, "render error");
      },
    });
    if (waitForAll) await body.allReady;
    return new Response(body, { headers: responseHeaders, status: responseStatusCode });
  }

  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = server.renderToPipeableStream!(app, {
      nonce,
      [waitForAll ? "onAllReady" : "onShellReady"]() {
        shellRendered = true;
        const body = new PassThrough();
        resolve(
          new Response(createReadableStreamFromReadable(body), {
            headers: responseHeaders,
            status: responseStatusCode,
          }),
        );
        pipe(body);
      },
      onShellError(error: unknown) {
        reject(error);
      },
      onError(error: unknown) {
        responseStatusCode = 500;
        if (shellRendered) logger.error({ err: error }, "render error");
      },
    });
    setTimeout(abort, streamTimeoutMs + 1000);
  });
}
