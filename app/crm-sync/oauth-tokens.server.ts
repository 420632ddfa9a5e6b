/**
 * A usable access token for an OAuth CRM connection, refreshed before it expires (5 minutes of
 * margin). Refresh tokens rotate: two refreshes with the same token make the second a reuse,
 * which a strict CRM answers by revoking the whole chain. So refreshes of one connection run one
 * at a time in this process (a per-connection promise chain), re-read the row inside the lock
 * (a refresh that just finished is used, not repeated), and store the new pair with a
 * compare-and-set on the refresh token they used. A permanent refusal (invalid_grant…) marks
 * the connection "error": an operator must reconnect; it is never retried in a loop.
 */
import { and, eq, lte } from "drizzle-orm";
import type { Database } from "~/db/client";
import { crmConnections } from "~/db/schema/index";
import { DEFAULT_REFRESH_SKEW_MS } from "~/adapters/oauth/index";
import { isPartnerError } from "~/adapters/shared/errors";
import { PermanentError } from "~/jobs/errors";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { logger } from "~/app/observability/logger.server";
import { getCipher } from "~/app/security/encryption.server";
import { markConnectionError } from "./connections.server";
import { serialized } from "./keyed-lock";
import { accessTokenContext, refreshTokenContext } from "./oauth.server";
import { oauthClientFor } from "./oauth-providers.server";

export type AccessToken = { accessToken: string; expiresAt: Date | null; refreshed: boolean };

export async function refreshIfNeeded(
  database: Database,
  connectionId: string,
  options: {
    now?: Date;
    skewMs?: number;
    signal?: AbortSignal;
    /**
     * The access token the CRM just answered 401 to: refresh even though it is not due
     * (revoked, or the clocks disagree) — unless the stored token is already another one,
     * which a concurrent caller's refresh put there.
     */
    rejectedToken?: string;
  } = {},
): Promise<AccessToken> {
  return serialized(`oauth:${connectionId}`, async () => {
    const connection = await database.db
      .select()
      .from(crmConnections)
      .where(eq(crmConnections.id, connectionId))
      .get();
    if (!connection || connection.authKind !== "oauth" || connection.status === "disconnected") {
      throw new PermanentError(`No OAuth CRM connection ${connectionId}`);
    }
    if (connection.status === "error" || !connection.accessTokenEnc) {
      throw new PermanentError(`CRM connection ${connectionId} must be reconnected`);
    }
    const client = oauthClientFor(connection.crm);
    if (!client) throw new PermanentError(`${connection.crm} is not configured for OAuth`);
    const cipher = getCipher();
    const now = options.now ?? new Date();
    const current = cipher.decrypt(connection.accessTokenEnc, accessTokenContext);
    const rejected = options.rejectedToken !== undefined && options.rejectedToken === current;
    if (
      !rejected &&
      !client.needsRefresh(
        connection.tokenExpiresAt,
        now,
        options.skewMs ?? DEFAULT_REFRESH_SKEW_MS,
      )
    ) {
      return {
        accessToken: current,
        expiresAt: connection.tokenExpiresAt,
        refreshed: false,
      };
    }
    const refreshEnc = connection.refreshTokenEnc;
    if (!refreshEnc) {
      await markConnectionError(
        database,
        connectionId,
        "The access token expired and there is no refresh token",
      );
      throw new PermanentError(
        `CRM connection ${connectionId} must be reconnected (no refresh token)`,
      );
    }

    let tokens;
    try {
      tokens = await client.refresh(
        cipher.decrypt(refreshEnc, refreshTokenContext),
        options.signal,
      );
    } catch (error) {
      if (isPartnerError(error)) {
        businessMetrics.partnerCallErrors.inc({ partner: connection.crm });
        if (error.permanent) await markConnectionError(database, connectionId, error.message);
      }
      throw error;
    }

    const stored = await database.write(async (tx) =>
      tx
        .update(crmConnections)
        .set({
          accessTokenEnc: cipher.encrypt(tokens.accessToken, accessTokenContext),
          refreshTokenEnc: tokens.refreshToken
            ? cipher.encrypt(tokens.refreshToken, refreshTokenContext)
            : refreshEnc,
          tokenExpiresAt: tokens.expiresAt,
          lastError: null,
        })
        .where(
          and(eq(crmConnections.id, connectionId), eq(crmConnections.refreshTokenEnc, refreshEnc)),
        )
        .returning({ id: crmConnections.id }),
    );
    if (stored.length === 0) {
      // Another process refreshed (or the operator reconnected) meanwhile: theirs is the live pair.
      throw new Error(`CRM connection ${connectionId} changed while refreshing; try again`);
    }
    return { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, refreshed: true };
  });
}

/**
 * Calls an OAuth CRM's API with a good access token (refreshed first when it is about to
 * expire). A 401 means the token is no longer good, not that the call is wrong: the token is
 * refreshed once and the call made once more; a second 401 is the caller's to report. Never a
 * permanent failure on the first 401 (ADR 030).
 */
export async function withAccessToken<T>(
  database: Database,
  connectionId: string,
  call: (accessToken: string) => Promise<T>,
  options: { signal?: AbortSignal; isUnauthorized?: (error: unknown) => boolean } = {},
): Promise<T> {
  const unauthorized =
    options.isUnauthorized ??
    ((error: unknown) => (error as { status?: unknown } | null)?.status === 401);
  const first = await refreshIfNeeded(database, connectionId, { signal: options.signal });
  try {
    return await call(first.accessToken);
  } catch (error) {
    if (!unauthorized(error)) throw error;
    const renewed = await refreshIfNeeded(database, connectionId, {
      signal: options.signal,
      rejectedToken: first.accessToken,
    });
    return call(renewed.accessToken);
  }
}

/**
 * The poll job's pass over OAuth connections: refresh every token that would expire before the
 * next poll (`horizonMs`), so tokens stay fresh even when no CRM call needs them. One failing
 * connection does not stop the others (a permanent failure has marked it for an operator).
 */
export async function refreshExpiringConnections(
  database: Database,
  options: { horizonMs: number; now?: Date; signal?: AbortSignal },
): Promise<{ refreshed: number; failed: number }> {
  const now = options.now ?? new Date();
  const rows = await database.db
    .select({ id: crmConnections.id })
    .from(crmConnections)
    .where(
      and(
        eq(crmConnections.authKind, "oauth"),
        eq(crmConnections.status, "connected"),
        lte(crmConnections.tokenExpiresAt, new Date(now.getTime() + options.horizonMs)),
      ),
    );
  let refreshed = 0;
  let failed = 0;
  for (const row of rows) {
    if (options.signal?.aborted) break;
    try {
      const token = await refreshIfNeeded(database, row.id, {
        now,
        skewMs: options.horizonMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (token.refreshed) refreshed += 1;
    } catch (error) {
      failed += 1;
      logger.warn({ err: error, connection_id: row.id }, "OAuth token refresh failed");
    }
  }
  return { refreshed, failed };
}
