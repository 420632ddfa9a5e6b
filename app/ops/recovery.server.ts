import { randomInt } from "node:crypto";
import { safeEqual, sha256Hex } from "~/app/security/hash.server";

/**
 * Recovery codes: 10 one-time codes shown once at TOTP enrollment, each able to replace a TOTP
 * code once. They carry 50 random bits each (10 characters of a 32-letter alphabet), so an
 * unsalted SHA-256 is enough to store them (like API keys); only the hashes are kept.
 */
export const recoveryCodeCount = 10;
const codeLength = 10;
// Lower-case letters and digits without the look-alikes 0/o, 1/l/i.
const alphabet = "23456789abcdefghjkmnpqrstuvwxyz";

/** "abcde-fghjk": two groups of five for easy copying; hyphens and case don't matter on entry. */
export function generateRecoveryCodes(count = recoveryCodeCount) {
  return Array.from({ length: count }, () => {
    let code = "";
    for (let i = 0; i < codeLength; i++) code += alphabet[randomInt(alphabet.length)];
    return `${code.slice(0, 5)}-${code.slice(5)}`;
  });
}

/** What a person typed, reduced to the code's characters. */
export function normalizeRecoveryCode(input: string) {
  return input.toLowerCase().replace(/[^a-z0-9]/g, "");
}

export function looksLikeRecoveryCode(input: string) {
  const normalized = normalizeRecoveryCode(input);
  return normalized.length === codeLength && [...normalized].every((c) => alphabet.includes(c));
}

export function hashRecoveryCode(code: string) {
  return sha256Hex(`flowpay-recovery:${normalizeRecoveryCode(code)}`);
}

/**
 * Checks `input` against the stored hashes. On a match returns the hashes that remain once the
 * code is used (the caller stores them in the same transaction that signs in); otherwise null.
 * Every stored hash is compared in constant time.
 */
export function consumeRecoveryCode(hashes: readonly string[], input: string): string[] | null {
  if (!looksLikeRecoveryCode(input)) return null;
  const candidate = hashRecoveryCode(input);
  let match = -1;
  hashes.forEach((hash, index) => {
    if (safeEqual(hash, candidate) && match === -1) match = index;
  });
  return match === -1 ? null : hashes.filter((_, index) => index !== match);
}
