import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { apiError } from "./errors.server";

/**
 * 100 requests a minute per API key and per client IP (docs/product/api.md), counted in this process's
 * memory with rate-limiter-flexible. Several processes each count their own share: documented
 * in the README; a shared store can replace RateLimiterMemory without touching callers.
 */
export function createRateLimiter(pointsPerMinute: number) {
  const limiter = new RateLimiterMemory({ points: pointsPerMinute, duration: 60 });
  return {
    limit: pointsPerMinute,
    /** Consumes one request for `key`; returns the headers to send and whether it is allowed. */
    async consume(key: string): Promise<{ allowed: boolean; headers: Record<string, string> }> {
      try {
        const res = await limiter.consume(key, 1);
        return { allowed: true, headers: headersFor(pointsPerMinute, res) };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          const headers = headersFor(pointsPerMinute, rejection);
          headers["Retry-After"] = String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
          return { allowed: false, headers };
        }
        throw rejection;
      }
    },
    /** Whether `key` has a request left, without using it (a conditional read decides later). */
    async peek(key: string): Promise<{ allowed: boolean; headers: Record<string, string> }> {
      const res = await limiter.get(key);
      if (!res) {
        return {
          allowed: true,
          headers: headersFor(pointsPerMinute, new RateLimiterRes(pointsPerMinute, 60_000)),
        };
      }
      const headers = headersFor(pointsPerMinute, res);
      const allowed = res.consumedPoints < pointsPerMinute;
      if (!allowed) {
        headers["Retry-After"] = String(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
      }
      return { allowed, headers };
    },
  };
}

function headersFor(limit: number, res: RateLimiterRes): Record<string, string> {
  return {
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(Math.max(0, res.remainingPoints)),
    "RateLimit-Reset": String(Math.max(0, Math.ceil(res.msBeforeNext / 1000))),
    "RateLimit-Policy": `${limit};w=60`,
  };
}

export function rateLimitedResponse(headers: Record<string, string>) {
  return apiError(
    "rate_limited",
    "Too many requests; retry after the number of seconds in Retry-After",
    {
      headers,
    },
  );
}
