import { apiError } from "~/api/errors.server";
import { ApiFailure } from "~/api/body.server";

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
      ...extra,
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
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
