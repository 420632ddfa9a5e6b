/**
 * Plaid webhook verification (docs/product/partners.md, "Plaid"; Plaid's "Verify webhooks" guide), with
 * `jose`. Shared by the live adapter (keys from /webhook_verification_key/get) and the
 * sandbox (its own key).
 *
 * 1. The `Plaid-Verification` header is a JWT. Its protected header must say `alg: ES256`
 *    (anything else — HS256, none, RS256, ES384 — is rejected before any key is looked
 *    at) and carry a `kid`.
 * 2. The key is looked up by `kid` (`fetchKey`) and cached — concurrent webhooks with the
 *    same new kid share one fetch; a failed fetch is not cached. A cached key is fetched
 *    again after `keyCacheTtlMs` (so an expiry Plaid announces is seen), and a key whose
 *    `expired_at` has passed is refused.
 * 3. `jwtVerify` with `algorithms: ["ES256"]` checks the signature.
 * 4. `iat` must be a number no more than 5 minutes old (and not more than
 *    `clockSkewSeconds` in the future).
 * 5. `request_body_sha256` must equal the hex SHA-256 of the raw body, compared with
 *    `crypto.timingSafeEqual`.
 * 6. The body must be a JSON object; it is returned parsed.
 *
 * Every rejection is a permanent PartnerError (codes in internal.ts). A key fetch that
 * fails because Plaid is unreachable or failing rethrows that transient PartnerError.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify } from "jose";
import { PartnerError } from "~/adapters/shared/errors";
import { webhookRejected } from "./internal";

/** A webhook verification key as Plaid returns it (an EC P-256 JWK plus dates). */
export type PlaidWebhookKey = {
  alg?: string;
  crv: string;
  kid: string;
  kty: string;
  use?: string;
  x: string;
  y: string;
  /** Unix seconds. */
  created_at?: number;
  /** Unix seconds; null while the key is current. */
  expired_at?: number | null;
};

export type WebhookVerifierOptions = {
  /** Fetches the key with this kid; throws a permanent PartnerError when Plaid does not know it. */
  fetchKey(kid: string): Promise<PlaidWebhookKey>;
  /** Default 300 (Plaid: reject webhooks older than 5 minutes). */
  maxAgeSeconds?: number;
  /** How far in the future `iat` may be (clocks differ). Default 60. */
  clockSkewSeconds?: number;
  /** Default 24 h. */
  keyCacheTtlMs?: number;
  /** Default 16 keys; the oldest is dropped beyond that. */
  maxCachedKeys?: number;
};

export type WebhookVerifier = (
  rawBody: string,
  verificationHeader: string | null,
  now?: Date,
) => Promise<Record<string, unknown>>;

export const WEBHOOK_MAX_AGE_SECONDS = 300;

type CachedKey = {
  fetchedAtMs: number;
  key: Promise<{ key: CryptoKey; expiredAt: number | null }>;
};

/** A kid for messages: the header is attacker-controlled, so quoted and cut short. */
function shown(kid: string): string {
  return JSON.stringify(kid.length > 64 ? `${kid.slice(0, 64)}…` : kid);
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Constant-time comparison of two hex digests (lengths are public: 64 characters). */
function sameDigest(expectedHex: string, claimed: string): boolean {
  const a = Buffer.from(expectedHex, "utf8");
  const b = Buffer.from(claimed.toLowerCase(), "utf8");
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  const maxAgeSeconds = options.maxAgeSeconds ?? WEBHOOK_MAX_AGE_SECONDS;
  const clockSkewSeconds = options.clockSkewSeconds ?? 60;
  const keyCacheTtlMs = options.keyCacheTtlMs ?? 24 * 60 * 60 * 1000;
  const maxCachedKeys = options.maxCachedKeys ?? 16;
  const cache = new Map<string, CachedKey>();

  async function load(kid: string) {
    let jwk: PlaidWebhookKey;
    try {
      jwk = await options.fetchKey(kid);
    } catch (error) {
      if (error instanceof PartnerError && error.permanent) {
        throw webhookRejected(
          "WEBHOOK_KEY_UNKNOWN",
          `no verification key with kid ${shown(kid)} (Plaid answered ${String(error.code ?? error.status)})`,
        );
      }
      throw error;
    }
    if (jwk.kty !== "EC" || jwk.crv !== "P-256" || (jwk.alg && jwk.alg !== "ES256")) {
      throw webhookRejected(
        "WEBHOOK_KEY_UNKNOWN",
        `key ${shown(kid)} is not an ES256 (EC P-256) key`,
      );
    }
    let key: CryptoKey;
    try {
      const imported = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, "ES256");
      key = imported as CryptoKey;
    } catch (cause) {
      throw webhookRejected(
        "WEBHOOK_KEY_UNKNOWN",
        `key ${shown(kid)} could not be imported`,
        cause,
      );
    }
    return { key, expiredAt: jwk.expired_at ?? null };
  }

  /** Cache ages use the real clock (`now` of a call is about the webhook, not the cache). */
  function keyFor(kid: string) {
    const clockMs = Date.now();
    const cached = cache.get(kid);
    if (cached && clockMs - cached.fetchedAtMs < keyCacheTtlMs) return cached.key;
    const entry: CachedKey = { fetchedAtMs: clockMs, key: load(kid) };
    cache.delete(kid);
    cache.set(kid, entry);
    while (cache.size > maxCachedKeys) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
    // A failure is not cached: the next webhook with this kid asks again.
    entry.key.catch(() => {
      if (cache.get(kid) === entry) cache.delete(kid);
    });
    return entry.key;
  }

  return async function verifyWebhook(rawBody, verificationHeader, now = new Date()) {
    const token = verificationHeader?.trim();
    if (!token) {
      throw webhookRejected("WEBHOOK_SIGNATURE_MISSING", "no Plaid-Verification header");
    }

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch (cause) {
      throw webhookRejected("WEBHOOK_MALFORMED", "Plaid-Verification is not a JWT", cause);
    }
    if (header.alg !== "ES256") {
      throw webhookRejected("WEBHOOK_ALG_NOT_ALLOWED", `alg ${String(header.alg)} is not ES256`);
    }
    const kid = header.kid;
    if (typeof kid !== "string" || !kid) {
      throw webhookRejected("WEBHOOK_MALFORMED", "the JWT header has no kid");
    }

    const nowMs = now.getTime();
    const { key, expiredAt } = await keyFor(kid);
    if (expiredAt !== null && expiredAt * 1000 <= nowMs) {
      throw webhookRejected("WEBHOOK_KEY_EXPIRED", `key ${shown(kid)} has expired`);
    }

    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ["ES256"], currentDate: now }));
    } catch (cause) {
      const message =
        cause instanceof joseErrors.JWSSignatureVerificationFailed
          ? "signature does not verify"
          : "the JWT is invalid";
      throw webhookRejected("WEBHOOK_SIGNATURE_INVALID", message, cause);
    }

    const iat = payload.iat;
    if (typeof iat !== "number" || !Number.isFinite(iat)) {
      throw webhookRejected("WEBHOOK_MALFORMED", "the JWT has no iat");
    }
    const ageSeconds = nowMs / 1000 - iat;
    if (ageSeconds > maxAgeSeconds) {
      throw webhookRejected("WEBHOOK_STALE", `issued ${Math.round(ageSeconds)} s ago`);
    }
    if (ageSeconds < -clockSkewSeconds) {
      throw webhookRejected("WEBHOOK_STALE", "issued in the future");
    }

    const claimed = payload.request_body_sha256;
    if (typeof claimed !== "string" || !sameDigest(sha256Hex(rawBody), claimed)) {
      throw webhookRejected("WEBHOOK_BODY_MISMATCH", "the body's SHA-256 does not match");
    }

    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch (cause) {
      throw webhookRejected("WEBHOOK_BODY_INVALID", "the body is not JSON", cause);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw webhookRejected("WEBHOOK_BODY_INVALID", "the body is not a JSON object");
    }
    return body as Record<string, unknown>;
  };
}
