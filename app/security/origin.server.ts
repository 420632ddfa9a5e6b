import { apiError } from "~/app/api/errors.server";

/**
 * The Origin policy for state-changing requests (ADR 022). A browser sends `Origin` with every
 * POST; a post whose Origin is not our own host comes from another site (CSRF) and is refused
 * with a 403 — an HTML page, or the API's JSON error under /api — never a 500, and never by
 * throwing on a malformed header. `X-Forwarded-Host` names our host only behind a proxy we were
 * told to trust (`TRUST_PROXY`); otherwise anyone could send it to match their own Origin.
 */
export type OriginVerdict =
  | { ok: true; origin: "same" | "absent" }
  | { ok: false; reason: "null_origin" | "malformed_origin" | "foreign_origin" | "no_host" };

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export type OriginInput = {
  method: string;
  origin: string | null | undefined;
  host: string | null | undefined;
  forwardedHost: string | null | undefined;
};

/** Our host as this request names it: the trusted proxy's X-Forwarded-Host, else Host. */
export function requestHost(input: Omit<OriginInput, "method" | "origin">, trustProxy: boolean) {
  const forwarded = trustProxy ? input.forwardedHost?.split(",")[0]?.trim() : undefined;
  return (forwarded || input.host || "").toLowerCase() || null;
}

/** Whether a request may change state as far as its Origin goes. Never throws. */
export function checkOrigin(input: OriginInput, trustProxy: boolean): OriginVerdict {
  if (safeMethods.has(input.method.toUpperCase())) return { ok: true, origin: "absent" };
  const origin = input.origin?.trim();
  if (origin === undefined || origin === "") return { ok: true, origin: "absent" };
  if (origin === "null") return { ok: false, reason: "null_origin" };
  let originHost: string;
  try {
    const parsed = new URL(origin);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return { ok: false, reason: "malformed_origin" };
    }
    originHost = parsed.host.toLowerCase();
  } catch {
    return { ok: false, reason: "malformed_origin" };
  }
  const host = requestHost(input, trustProxy);
  if (!host) return { ok: false, reason: "no_host" };
  return originHost === host
    ? { ok: true, origin: "same" }
    : { ok: false, reason: "foreign_origin" };
}

/** The same check on a Fetch API Request (route code, tests). */
export function checkRequestOrigin(request: Request, trustProxy: boolean) {
  return checkOrigin(
    {
      method: request.method,
      origin: request.headers.get("origin"),
      host: request.headers.get("host") ?? new URL(request.url).host,
      forwardedHost: request.headers.get("x-forwarded-host"),
    },
    trustProxy,
  );
}

/** The 403 a refused cross-site request gets: the API's JSON error under /api, a page elsewhere. */
export function crossSiteRefusal(path: string): Response {
  if (path.startsWith("/api/")) {
    return apiError(
      "forbidden",
      "Cross-site requests are not accepted: the Origin header does not name this site",
    );
  }
  const headers = new Headers({ "Cache-Control": "no-store" });
  headers.set("Content-Type", "text/html; charset=utf-8");
  headers.set(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  const page = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>Request refused — FlowPay</title></head>
<body><main style="max-width:36rem;margin:3rem auto;font-family:system-ui,sans-serif;padding:0 1rem">
<h1>This request was refused</h1>
<p>The form was sent from another website, so FlowPay did not act on it. If you were using FlowPay,
go back, reload the page and try again.</p>
</main></body>
</html>
`;
  return new Response(page, { status: 403, headers });
}
