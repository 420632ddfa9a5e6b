/**
 * The one rule for redirect targets that come from user input (`?next=` on the FlowOps sign-in
 * pages, and any later `returnTo`-style parameter): ADR 020.
 *
 * A string check on the raw value is not enough — browsers and routers *resolve* the target
 * before using it: `\` counts as `/`, tabs and newlines are dropped, `..` and `%2e%2e` climb,
 * `//host` is another origin. So the value is resolved first, with the WHATWG URL parser (the
 * one browsers use) against our own origin, and only then checked: same origin, and a path under
 * `under`. What is returned is the *resolved* path (normalized and percent-encoded), so the
 * browser resolves it to exactly what was checked.
 */
export function safeRedirectPath(
  input: string | null | undefined,
  options: { under: string; fallback: string; origin?: string },
): string {
  const { under, fallback } = options;
  if (!input) return fallback;
  // A made-up origin stands in when the caller has none: an absolute URL then never matches.
  const origin = options.origin ?? "https://flowpay.invalid";
  let resolved: URL;
  try {
    resolved = new URL(input, origin);
  } catch {
    return fallback;
  }
  if (resolved.origin !== new URL(origin).origin) return fallback;
  const path = resolved.pathname;
  if (path !== under && !path.startsWith(`${under}/`)) return fallback;
  // Belt and braces: a path that could be read as protocol-relative is never emitted.
  if (path.startsWith("//") || path.includes("\\")) return fallback;
  return `${path}${resolved.search}`;
}
