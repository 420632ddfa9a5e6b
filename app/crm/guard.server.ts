import { apiError } from "~/api/errors.server";
import { ApiFailure } from "~/api/body.server";
import { createRateLimiter, rateLimitedResponse } from "~/api/rate-limit.server";
import { clientInfo } from "~/audit/audit.server";
import { getEnv } from "~/config/env.server";
import { getDatabase } from "~/db.server";
import { authenticateApiKey, type AuthenticatedKey } from "./api-keys.server";

export type CrmCaller = AuthenticatedKey & {
  /** RateLimit-* headers every answer to this caller carries. */
  rateHeaders: Record<string, string>;
  ip: string | null;
  userAgent: string | null;
};

const globalForLimiters = globalThis as unknown as {
  __flowpayCrmLimiters?: {
    byIp: ReturnType<typeof createRateLimiter>;
    byKey: ReturnType<typeof createRateLimiter>;
  };
};
function limiters() {
  const perMinute = getEnv().CRM_RATE_LIMIT_PER_MINUTE;
  globalForLimiters.__flowpayCrmLimiters ??= {
    byIp: createRateLimiter(perMinute),
    byKey: createRateLimiter(perMinute),
  };
  return globalForLimiters.__flowpayCrmLimiters;
}

/**
 * Every CRM API request: rate limit by client IP first (so key guessing is throttled too), then
 * the Bearer key, then the rate limit of that key. Throws the API answer when refused.
 */
export async function requireCrmCaller(request: Request): Promise<CrmCaller> {
  const client = clientInfo(request);
  const byIp = await limiters().byIp.consume(`ip:${client.ip ?? "unknown"}`);
  if (!byIp.allowed) throw new ApiFailure(rateLimitedResponse(byIp.headers));

  const header = request.headers.get("authorization") ?? "";
  const presented = header.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!presented) {
    throw new ApiFailure(
      apiError("unauthorized", "Send your API key as `Authorization: Bearer <key>`", {
        headers: { "WWW-Authenticate": 'Bearer realm="flowpay"' },
      }),
    );
  }
  const result = await authenticateApiKey(await getDatabase(), presented);
  if (result === "invalid") {
    throw new ApiFailure(
      apiError("unauthorized", "The API key is invalid, expired or revoked", {
        headers: { "WWW-Authenticate": 'Bearer realm="flowpay", error="invalid_token"' },
      }),
    );
  }
  if (result === "merchant_suspended") {
    throw new ApiFailure(apiError("forbidden", "This merchant's FlowPay account is suspended"));
  }
  const byKey = await limiters().byKey.consume(`key:${result.keyId}`);
  if (!byKey.allowed) throw new ApiFailure(rateLimitedResponse(byKey.headers));
  // The tighter of the two budgets is what the caller has left.
  const rateHeaders =
    Number(byKey.headers["RateLimit-Remaining"]) <= Number(byIp.headers["RateLimit-Remaining"])
      ? byKey.headers
      : byIp.headers;
  return { ...result, rateHeaders, ...client };
}
