import { safeRedirectPath } from "~/app/security/redirects";

/**
 * Where the portal may send a user after sign-in: only same-origin paths under /merchant,
 * resolved before they are checked (ADR 020, ADR 059).
 */
export function safePortalNext(next: string | null | undefined, origin?: string) {
  return safeRedirectPath(next, { under: "/merchant", fallback: "/merchant", origin });
}
