import { createCipheriv, createDecipheriv } from "node:crypto";
import { randomBytesPooled } from "~/db/random";
import type { EncryptionKey } from "~/app/config/env.server";
import { getSecrets } from "~/app/config/secrets.server";

/**
 * Field-level encryption for PII and partner secrets: AES-256-GCM, a fresh 96-bit IV per value,
 * and the id of the key stored with each value ("v1.<kid>.<iv>.<ciphertext+tag>", base64url),
 * so keys can rotate: the first configured key encrypts, every configured key decrypts.
 * `context` (e.g. "customers.ssn") is bound as associated data, so a value copied into
 * another column does not decrypt there.
 */
export class FieldCipher {
  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error("FieldCipher needs at least one key");
  }

  get currentKeyId() {
    return this.keys[0]!.id;
  }

  encrypt(plaintext: string, context: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytesPooled(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([
      cipher.update(plaintext, "utf8"),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `v1.${id}.${iv.toString("base64url")}.${body.toString("base64url")}`;
  }

  decrypt(value: string, context: string): string {
    const [version, keyId, ivText, bodyText] = value.split(".");
    if (version !== "v1" || !keyId || !ivText || !bodyText) {
      throw new Error("Not an encrypted value");
    }
    const entry = this.keys.find((k) => k.id === keyId);
    if (!entry) throw new Error(`Unknown encryption key id "${keyId}"`);
    const body = Buffer.from(bodyText, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", entry.key, Buffer.from(ivText, "base64url"));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - 16)),
      decipher.final(),
    ]).toString("utf8");
  }

  /** The key id a stored value was encrypted with (for rotation). */
  static keyIdOf(value: string): string | undefined {
    return value.split(".")[1];
  }
}

let cipher: FieldCipher | undefined;
export function getCipher(): FieldCipher {
  cipher ??= new FieldCipher(getSecrets().encryptionKeys);
  return cipher;
}
export function resetCipher() {
  cipher = undefined;
}

/** Masks all but the last four characters ("•••-••-1234" style for display). */
export function maskLast4(last4: string | null | undefined, mask = "•••••") {
  return last4 ? `${mask}${last4}` : "—";
}
