/**
 * Connecting a merchant to an OAuth CRM (authorization code + PKCE; docs/sandbox/oauth.md):
 *
 * - start (an operator on /ops/merchants/{id}): a fresh `state` and PKCE verifier; the SHA-256 of
 *   the state keys an oauth_states row bound to the operator's session, with the verifier
 *   encrypted, for 10 minutes. The operator's browser goes to the returned URL.
 * - callback (GET /api/v1/crm/fieldroutes/callback): the row is consumed in ONE statement that
 *   also checks the session, the expiry and that it is unused — a reused state, an expired one
 *   or another session's is refused without touching it. Only then are `code`/`error` read; the
 *   code is exchanged (no transaction open meanwhile) and the tokens stored encrypted in
 *   crm_connections (auth_kind "oauth").
 */
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Database } from "~/db/client";
import { oauthStates } from "~/db/schema/index";
import { parseAuthorizationCallback } from "~/adapters/oauth/index";
import { isPartnerError } from "~/adapters/shared/errors";
import { audit } from "~/app/audit/audit.server";
import { businessMetrics } from "~/app/observability/business-metrics.server";
import { getCipher } from "~/app/security/encryption.server";
import { sha256Hex } from "~/app/security/hash.server";
import { saveCrmConnection, type Actor } from "./connections.server";
import { oauthClientFor } from "./oauth-providers.server";

export const oauthStateTtlMs = 10 * 60_000;
export const codeVerifierContext = "oauth_states.code_verifier";
export const accessTokenContext = "crm_connections.access_token";
export const refreshTokenContext = "crm_connections.refresh_token";

export class OAuthNotConfiguredError extends Error {
  override name = "OAuthNotConfiguredError";
}

export type OperatorRef = { sessionId: string; operatorId: string };

/** Begins connecting `merchantId` to `crm`; redirect the operator's browser to `url`. */
export async function startOAuthConnection(
  database: Database,
  input: OperatorRef & {
    merchantId: string;
    crm: string;
    ip?: string | null;
    userAgent?: string | null;
  },
  now = new Date(),
): Promise<{ url: string; expiresAt: Date }> {
  const client = oauthClientFor(input.crm);
  if (!client) throw new OAuthNotConfiguredError(`${input.crm} is not configured for OAuth`);
  const { url, state, codeVerifier } = client.startAuthorization();
  const expiresAt = new Date(now.getTime() + oauthStateTtlMs);
  await database.write(async (tx) => {
    // Housekeeping: states past their expiry are useless.
    await tx.delete(oauthStates).where(lt(oauthStates.expiresAt, now));
    await tx.insert(oauthStates).values({
      id: sha256Hex(state),
      operatorSessionId: input.sessionId,
      merchantId: input.merchantId,
      crm: input.crm,
      codeVerifierEnc: getCipher().encrypt(codeVerifier, codeVerifierContext),
      expiresAt,
      createdAt: now,
    });
    await audit(tx, {
      actorType: "operator",
      actorId: input.operatorId,
      action: "crm_connection.oauth_start",
      entityType: "merchant",
      entityId: input.merchantId,
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
      details: { crm: input.crm },
    });
  });
  return { url, expiresAt };
}

export type CallbackResult =
  /** Unknown, used, expired or another session's state: nothing was done. */
  | { kind: "refused" }
  /** The operator (or the CRM) said no: `error` is the OAuth error code (access_denied…). */
  | { kind: "denied"; merchantId: string; crm: string; error: string }
  /** The code exchange failed (the code is spent: start again). */
  | { kind: "failed"; merchantId: string; crm: string; error: string }
  | { kind: "connected"; merchantId: string; crm: string; connectionId: string };

export async function completeOAuthCallback(
  database: Database,
  input: OperatorRef & {
    searchParams: URLSearchParams;
    ip?: string | null;
    userAgent?: string | null;
    signal?: AbortSignal;
  },
  now = new Date(),
): Promise<CallbackResult> {
  const callback = parseAuthorizationCallback(input.searchParams);
  const actor: Actor = {
    actorType: "operator",
    actorId: input.operatorId,
    ip: input.ip ?? null,
    userAgent: input.userAgent ?? null,
  };
  const pending = callback.state
    ? await database.write(async (tx) => {
        const [row] = await tx
          .update(oauthStates)
          .set({ usedAt: now })
          .where(
            and(
              eq(oauthStates.id, sha256Hex(callback.state!)),
              eq(oauthStates.operatorSessionId, input.sessionId),
              isNull(oauthStates.usedAt),
              gt(oauthStates.expiresAt, now),
            ),
          )
          .returning();
        if (!row) {
          await audit(tx, {
            ...actor,
            action: "crm_connection.oauth_refused",
            entityType: "oauth_state",
          });
        }
        return row ?? null;
      })
    : null;
  if (!pending) return { kind: "refused" };
  const { merchantId, crm } = pending;

  const fail = async (kind: "denied" | "failed", error: string, code: string | null) => {
    await database.write((tx) =>
      audit(tx, {
        ...actor,
        action: kind === "denied" ? "crm_connection.oauth_denied" : "crm_connection.oauth_failed",
        entityType: "merchant",
        entityId: merchantId,
        details: { crm, code },
      }),
    );
    return { kind, merchantId, crm, error };
  };

  if (!callback.ok) return fail("denied", callback.error, callback.error);
  const client = oauthClientFor(crm);
  if (!client) return fail("failed", `${crm} is no longer configured for OAuth`, "NOT_CONFIGURED");

  let tokens;
  try {
    const verifier = getCipher().decrypt(pending.codeVerifierEnc, codeVerifierContext);
    tokens = await client.exchangeCode(callback.code, verifier, input.signal);
  } catch (error) {
    if (isPartnerError(error)) businessMetrics.partnerCallErrors.inc({ partner: crm });
    const code = isPartnerError(error) && error.code !== undefined ? String(error.code) : null;
    return fail("failed", error instanceof Error ? error.message : String(error), code);
  }

  const cipher = getCipher();
  const connectionId = await database.write(async (tx) => {
    const values = {
      authKind: "oauth" as const,
      status: "connected" as const,
      subdomain: null,
      officeId: null,
      credentialsEnc: null,
      accessTokenEnc: cipher.encrypt(tokens.accessToken, accessTokenContext),
      refreshTokenEnc: tokens.refreshToken
        ? cipher.encrypt(tokens.refreshToken, refreshTokenContext)
        : null,
      tokenExpiresAt: tokens.expiresAt,
      verifiedAt: now,
      lastError: null,
    };
    const id = await saveCrmConnection(tx, merchantId, crm, values);
    await audit(tx, {
      ...actor,
      action: "crm_connection.connect",
      entityType: "crm_connection",
      entityId: id,
      details: { crm, auth_kind: "oauth", merchant_id: merchantId, scope: tokens.scope },
    });
    return id;
  });
  return { kind: "connected", merchantId, crm, connectionId };
}
