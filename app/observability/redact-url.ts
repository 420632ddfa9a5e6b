/**
 * What of a URL may reach logs, spans and metric labels (ADR 021). A URL can carry a credential:
 * the borrower's link token is a path segment (`/apply/<token>/…`, their only credential for a
 * day), an OAuth callback brings `code` and `state` in its query, a future release or upload
 * link will carry its own. So observability never sees the raw URL:
 *
 * - the path becomes the route *pattern*: the segment after `/apply/` is `:token`, and any
 *   segment that looks generated (long, or digits mixed with letters) is `:id`;
 * - of the query, only allow-listed parameters keep their value; every other value is
 *   `[redacted]` (the names stay: they say which form or callback it was).
 */

/** Path segments whose *next* segment is a credential, with the name it is logged under. */
const credentialAfter: Record<string, string> = { apply: ":token", info: ":token" };

/** Query parameters whose values are ours (enumerations), never a secret or PII. */
const safeQueryParams = new Set([
  "index",
  "reason",
  "done",
  "status",
  "oauth",
  "crm",
  "minutes",
  "_routes",
  "page",
]);

/** A segment that is (or may be) generated: an id, a token, a hash. */
function looksGenerated(segment: string) {
  return segment.length >= 20 || (segment.length >= 8 && /\d/.test(segment));
}

/** `/apply/<token>/details` → `/apply/:token/details`; ids → `:id`. Query and hash dropped. */
export function routePattern(rawUrl: string): string {
  const path = rawUrl.split(/[?#]/, 1)[0] || "/";
  const segments = path.split("/");
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === "") continue;
    // Single-fetch data requests end in `.data`: keep the suffix, judge the rest.
    const data = segment.endsWith(".data") && segment !== ".data";
    const bare = data ? segment.slice(0, -".data".length) : segment;
    const previous = i > 0 ? segments[i - 1]! : "";
    const replacement =
      i === 2 && Object.hasOwn(credentialAfter, previous)
        ? credentialAfter[previous]!
        : looksGenerated(safeDecode(bare))
          ? ":id"
          : null;
    if (replacement) segments[i] = data ? `${replacement}.data` : replacement;
  }
  return segments.join("/") || "/";
}

/** The route pattern plus the query with every value outside the allow-list redacted. */
export function redactedTarget(rawUrl: string): string {
  const pattern = routePattern(rawUrl);
  const queryStart = rawUrl.indexOf("?");
  if (queryStart < 0) return pattern;
  const query = rawUrl.slice(queryStart + 1).split("#", 1)[0]!;
  if (query === "") return pattern;
  const parts = query.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const decodedName = safeDecode(name.replace(/\+/g, " "));
    if (eq < 0) return safeName(decodedName);
    if (safeQueryParams.has(decodedName) && !looksGenerated(pair.slice(eq + 1))) return pair;
    return `${safeName(decodedName)}=[redacted]`;
  });
  return `${pattern}?${parts.join("&")}`;
}

/** A parameter *name* is kept only when it is short and plain; anything else could be data. */
function safeName(name: string) {
  return /^[\w.-]{1,40}$/.test(name) ? name : "[redacted]";
}

function safeDecode(text: string) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Last line of defence for log text: a borrower link or a credential-named query parameter
 * anywhere in a serialized line (an error message quoting a URL, a text body) is masked.
 */
const linkInText = /\/apply\/(?!:token\b)[^/\s"'?#\\]+/g;
const secretParamInText =
  /([?&](?:code|state|token|access_token|refresh_token|id_token|client_secret|signature|sig|key|api_key|password)=)(?!\[redacted\])[^&\s"'#\\]+/gi;

export function scrubSecretsInText(text: string): string {
  if (!text.includes("/apply/") && !text.includes("=")) return text;
  return text.replace(linkInText, "/apply/:token").replace(secretParamInText, "$1[redacted]");
}
