/**
 * Signs webhooks the way Plaid does — a `Plaid-Verification` JWT over the body's SHA-256 —
 * for the fake Plaid server and the sandbox. Built by hand with node:crypto (not with
 * `jose`, which the verifier uses), so a test that verifies it proves two independent
 * implementations agree; and so that tests can make the bad tokens real attackers send
 * (`alg: none`, HS256 keyed with the public key, a broken signature, a stale `iat`).
 */
import {
  createHash,
  createHmac,
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from "node:crypto";
import { type PlaidWebhookKey } from "./webhook";

export type WebhookSigningKey = {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as /webhook_verification_key/get returns it. */
  publicJwk: PlaidWebhookKey;
};

export type SignWebhookOptions = {
  /** Unix seconds; default now. */
  iat?: number;
  /** Header alg; default "ES256". "none" → empty signature; "HS256"/"HS…" → HMAC keyed with the public JWK (the classic key-confusion attack); any other → an ES256 signature under that label. */
  alg?: string;
  /** Header kid; default the key's. */
  kid?: string;
  /** Flip one bit of the signature. */
  tamper?: boolean;
  /** Sign this SHA-256 (hex) instead of the body's. */
  bodySha256?: string;
};

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** A fresh EC P-256 key pair with a random kid (Plaid's kids are UUIDs). */
export function generateWebhookSigningKey(kid: string = randomUUID()): WebhookSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: {
      alg: "ES256",
      crv: "P-256",
      kid,
      kty: "EC",
      use: "sig",
      x: jwk.x as string,
      y: jwk.y as string,
      created_at: Math.floor(Date.now() / 1000),
      expired_at: null,
    },
  };
}

/** The `Plaid-Verification` header value for `body`. */
export function signWebhookBody(
  key: WebhookSigningKey,
  body: string,
  options: SignWebhookOptions = {},
): string {
  const alg = options.alg ?? "ES256";
  const header = { alg, kid: options.kid ?? key.kid, typ: "JWT" };
  const payload = {
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    request_body_sha256:
      options.bodySha256 ?? createHash("sha256").update(body, "utf8").digest("hex"),
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;

  let signature: Buffer;
  if (alg === "none") {
    signature = Buffer.alloc(0);
  } else if (alg.startsWith("HS")) {
    const hash = `sha${alg.slice(2)}`;
    signature = createHmac(hash, JSON.stringify(key.publicJwk)).update(signingInput).digest();
  } else {
    // JWS ES256: the raw r‖s pair (64 bytes), not DER.
    signature = sign("sha256", Buffer.from(signingInput), {
      key: key.privateKey,
      dsaEncoding: "ieee-p1363",
    });
  }
  if (options.tamper && signature.length > 0) {
    signature = Buffer.from(signature);
    signature[signature.length - 1] = (signature[signature.length - 1] as number) ^ 0x01;
  }
  return `${signingInput}.${base64url(signature)}`;
}
