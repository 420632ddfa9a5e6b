import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { createRateLimiter, rateLimitedResponse } from "~/app/api/rate-limit.server";
import { clientInfo } from "~/app/audit/audit.server";
import { getEnv } from "~/app/config/env.server";
import { getDatabase } from "~/app/db.server";
import { authenticateApiKey, type AuthenticatedKey } from "./api-keys.server";
import { singleton } from "~/app/singleton.server";

export type CrmCaller = AuthenticatedKey & {
  /** RateLimit-* headers every answer to this caller carries. */
  rateHeaders: Record<string, string>;
  ip: string | null;
  userAgent: string | null;
  /**
   * A `conditionalRead` is charged when it answers: `charge()` uses one request of the read
   * budget (throws the 429 when it is gone) and returns the headers to send;
   * `chargeConditional()` uses one of the much larger budget of `304 Not Modified` answers
   * instead (ADR 028). Any other request was charged before it got here: both return its headers.
   */
  charge(): Promise<Record<string, string>>;
  chargeConditional(): Promise<Record<string, string>>;
};

type Limiter = ReturnType<typeof createRateLimiter>;
type Budget = { byIp: Limiter; byKey: Limiter };

function limiters() {
  return singleton("crmLimiters", () => {
    const env = getEnv();
    // Shared by every process on the database (ADR 084); the name keeps the budgets apart.
    const budget = (name: string, perMinute: number): Budget => ({
      byIp: createRateLimiter(name, perMinute),
      byKey: createRateLimiter(name, perMinute),
    });
    return {
      write: budget("crm-write", env.CRM_RATE_LIMIT_PER_MINUTE),
      read: budget("crm-read", env.CRM_READ_RATE_LIMIT_PER_MINUTE),
      // 304s cost no read budget; this cap only stops a broken client looping (ADR 028).
      notModified: budget("crm-304", env.CRM_READ_RATE_LIMIT_PER_MINUTE * 10),
    };
  });
}

type Outcome = { allowed: boolean; headers: Record<string, string> };

/** The tighter of the two budgets is what the caller has left. */
const tighter = (byKey: Outcome, byIp: Outcome) =>
  Number(byKey.headers["RateLimit-Remaining"]) <= Number(byIp.headers["RateLimit-Remaining"])
    ? byKey.headers
    : byIp.headers;

/**
 * Every CRM API request: rate limit by client IP first (so key guessing is throttled too), then
 * the Bearer key, then the rate limit of that key. Throws the API answer when refused.
 *
 * Writes and reads have budgets of their own (CRM_RATE_LIMIT_PER_MINUTE,
 * CRM_READ_RATE_LIMIT_PER_MINUTE): a CRM polling a status never starves its own offers. A read
 * that asks for `conditionalRead` is charged (and refused when over) only when it answers
 * (CrmCaller.charge), so a `304` is free; any other request is charged here, before its route runs.
 */
export async function requireCrmCaller(
  request: Request,
  options: {
    /**
     * A read that may answer `304`: charged only when it answers, through `charge()` or
     * `chargeConditional()`, which the route must call. Every other request is charged here.
     */
    conditionalRead?: boolean;
  } = {},
): Promise<CrmCaller> {
  const client = clientInfo(request);
  const isRead = request.method === "GET" || request.method === "HEAD";
  const budget = isRead ? limiters().read : limiters().write;
  // Only a conditional read is charged later, by the route.
  const deferred = isRead && options.conditionalRead === true;
  const ipKey = `ip:${client.ip ?? "unknown"}`;
  // A deferred read is refused when it answers (charge), not here: a 304 may come even with the
  // read budget spent.
  const byIp = deferred ? await budget.byIp.peek(ipKey) : await budget.byIp.consume(ipKey);
  if (!deferred && !byIp.allowed) throw new ApiFailure(rateLimitedResponse(byIp.headers));
  /** A deferred read without a valid key costs a request of the address's read budget now. */
  const chargeGuess = async () => {
    if (!deferred) return;
    const guess = await budget.byIp.consume(ipKey);
    if (!guess.allowed) throw new ApiFailure(rateLimitedResponse(guess.headers));
  };

  const header = request.headers.get("authorization") ?? "";
  const presented = header.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!presented) {
    await chargeGuess();
    throw new ApiFailure(
      apiError("unauthorized", "Send your API key as `Authorization: Bearer <key>`", {
        headers: { "WWW-Authenticate": 'Bearer realm="flowpay"' },
      }),
    );
  }
  const result = await authenticateApiKey(await getDatabase(), presented);
  if (result === "invalid") {
    await chargeGuess();
    throw new ApiFailure(
      apiError("unauthorized", "The API key is invalid, expired or revoked", {
        headers: { "WWW-Authenticate": 'Bearer realm="flowpay", error="invalid_token"' },
      }),
    );
  }
  if (result === "merchant_suspended") {
    throw new ApiFailure(apiError("forbidden", "This merchant's FlowPay account is suspended"));
  }
  const keyKey = `key:${result.keyId}`;
  const byKey = deferred ? await budget.byKey.peek(keyKey) : await budget.byKey.consume(keyKey);
  if (!deferred && !byKey.allowed) throw new ApiFailure(rateLimitedResponse(byKey.headers));
  const rateHeaders = tighter(byKey, byIp);

  const chargeTo = (charged: Budget) => async () => {
    if (!deferred) return rateHeaders;
    const ip = await charged.byIp.consume(ipKey);
    if (!ip.allowed) throw new ApiFailure(rateLimitedResponse(ip.headers));
    const key = await charged.byKey.consume(keyKey);
    if (!key.allowed) throw new ApiFailure(rateLimitedResponse(key.headers));
    // A 304 reports the read budget it did not touch.
    return charged === budget ? tighter(key, ip) : rateHeaders;
  };
  return {
    ...result,
    rateHeaders,
    ...client,
    charge: chargeTo(budget),
    chargeConditional: chargeTo(limiters().notModified),
  };
}
