import { safeRedirectPath } from "~/app/security/redirects";

/**
 * Where FlowOps may send an operator after sign-in: only same-origin paths under /ops, resolved
 * before they are checked (ADR 020). Every `next` of the sign-in pages goes through here.
 */
export function safeNext(next: string | null | undefined, origin?: string) {
  return safeRedirectPath(next, { under: "/ops", fallback: "/ops", origin });
}

/** The `next` of a request's query string, made safe. */
export function nextFrom(request: Request) {
  const url = new URL(request.url);
  return safeNext(url.searchParams.get("next"), url.origin);
}
