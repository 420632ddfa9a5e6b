import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { sha256Hex } from "~/app/security/hash.server";

/** JSON answer to a CRM caller, with its RateLimit-* headers. */
export function crmJson(
  body: unknown,
  status: number,
  rateHeaders: Record<string, string>,
  extra: Record<string, string> = {},
) {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: {
      ...rateHeaders,
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      // Last: the status resource sets its own Cache-Control (it may be revalidated, ADR 028).
      ...extra,
    },
  });
}

/** `Idempotency-Key`: optional, 1–255 visible ASCII characters. */
export function idempotencyKeyOf(request: Request): string | null {
  const key = request.headers.get("idempotency-key");
  if (key === null) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ApiFailure(
      apiError("bad_request", "Idempotency-Key must be 1 to 255 visible ASCII characters"),
    );
  }
  return key;
}

/** Application ids in URLs: anything else is simply not found. */
export function applicationIdParam(value: string | undefined): string {
  if (!value || !/^app_[0-9a-z]{26}$/.test(value)) {
    throw new ApiFailure(apiError("not_found", `No application ${value ?? ""}`.trim()));
  }
  return value;
}

/**
 * A strong ETag of a JSON body: its SHA-256, so it changes whenever any field of the body does
 * (ADR 028).
 */
export function etagOf(body: string) {
  return `"${sha256Hex(body).slice(0, 32)}"`;
}

/** Whether an `If-None-Match` header matches `etag` (`*`, a list, weak `W/` forms). */
export function ifNoneMatchHits(header: string | null, etag: string) {
  if (!header) return false;
  return header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === "*" || tag === etag);
}

/**
 * A status resource's answer (ADR 028): `304` with no body when `If-None-Match` names its
 * `ETag` (charged to the much larger not-modified budget), else the body, charged to the read
 * budget. The caller came through `requireCrmCaller(request, { conditionalRead: true })`.
 */
export async function conditionalCrmJson(
  request: Request,
  caller: {
    charge(): Promise<Record<string, string>>;
    chargeConditional(): Promise<Record<string, string>>;
  },
  body: string,
) {
  const etag = etagOf(body);
  // May be kept by the CRM's HTTP client, but always revalidated.
  const caching = { ETag: etag, "Cache-Control": "private, no-cache" };
  if (ifNoneMatchHits(request.headers.get("if-none-match"), etag)) {
    const rateHeaders = await caller.chargeConditional();
    return new Response(null, { status: 304, headers: { ...rateHeaders, ...caching } });
  }
  return crmJson(body, 200, await caller.charge(), caching);
}
