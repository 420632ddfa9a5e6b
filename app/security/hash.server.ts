import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** SHA-256 hex: for high-entropy secrets (API keys, link tokens) that we store only as hashes. */
export function sha256Hex(value: string | Uint8Array) {
  return createHash("sha256").update(value).digest("hex");
}

export function hmacSha256Hex(secret: string, value: string) {
  return createHmac("sha256", secret).update(value).digest("hex");
}

/** Constant-time string comparison (never compare secrets with ===). */
export function safeEqual(a: string, b: string) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
