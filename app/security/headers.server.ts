import { isProduction } from "~/app/config/env.server";
import { randomBytes } from "node:crypto";

/**
 * Headers every response carries, whatever it is — the one place they are decided (the HTTP
 * hook applies them to every response on Node, entry.server.tsx to documents elsewhere), so
 * each is sent exactly once. Borrower pages (`/apply/…`) send no referrer to other sites at all:
 * their URL holds the link token. ("no-referrer" would also blank the Origin of our own form
 * posts, which the cross-site check needs.)
 */
export function baseSecurityHeaders(production = isProduction(), path = "/") {
  const headers: Record<string, string> = {
    "X-Content-Type-Options": "nosniff",
    // (The merchant portal's sign-in link page carries its token in the query: the same.)
    "Referrer-Policy":
      // (And an information request's link, `/info/{token}`, ADR 076.)
      path.startsWith("/apply/") || path.startsWith("/merchant/link") || path.startsWith("/info/")
        ? "same-origin"
        : "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  };
  // The public widgets (`/widgets/…`, the "as low as" price) exist to be framed by merchants'
  // own sites: their CSP says `frame-ancestors *`; nothing else of FlowPay may be framed.
  if (path.startsWith("/widgets/")) delete headers["X-Frame-Options"];
  if (production) headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
  return headers;
}

export function newNonce() {
  return randomBytes(16).toString("base64");
}

/**
 * The enforced Content-Security-Policy of HTML documents: scripts only from our origin or
 * carrying this response's nonce (Remix's inline hydration scripts get it), no plugins,
 * no framing, forms post only to us.
 */
export function contentSecurityPolicy(nonce: string, options: { plaidLink?: boolean } = {}) {
  // Live Plaid Link loads its script and iframe from Plaid's CDN; only then is it allowed.
  const plaid = options.plaidLink ? " https://cdn.plaid.com" : "";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'${plaid}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${options.plaidLink ? " https://*.plaid.com" : ""}`,
    `frame-src ${options.plaidLink ? "https://cdn.plaid.com" : "'none'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
