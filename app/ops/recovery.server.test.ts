import { describe, expect, it } from "vitest";
import {
  consumeRecoveryCode,
  generateRecoveryCodes,
  hashRecoveryCode,
  looksLikeRecoveryCode,
  recoveryCodeCount,
} from "./recovery.server";

describe("recovery codes", () => {
  it("generates 10 distinct codes of two groups of five", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(recoveryCodeCount);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^[2-9a-z]{5}-[2-9a-z]{5}$/);
      expect(code).not.toMatch(/[01ilo]/);
      expect(looksLikeRecoveryCode(code)).toBe(true);
    }
  });

  it("stores only SHA-256 hashes, insensitive to case, spaces and hyphens", () => {
    const [code] = generateRecoveryCodes(1);
    const hash = hashRecoveryCode(code!);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(code!.replace("-", ""));
    expect(hashRecoveryCode(` ${code!.toUpperCase().replace("-", " ")} `)).toBe(hash);
  });

  it("a code verifies once: consuming removes exactly its hash", () => {
    const codes = generateRecoveryCodes();
    const hashes = codes.map(hashRecoveryCode);
    const remaining = consumeRecoveryCode(hashes, codes[3]!);
    expect(remaining).toHaveLength(9);
    expect(remaining).not.toContain(hashes[3]);
    expect(remaining).toEqual(hashes.filter((_, i) => i !== 3));
    // The same code again: refused.
    expect(consumeRecoveryCode(remaining!, codes[3]!)).toBeNull();
    // Every other code still works.
    expect(consumeRecoveryCode(remaining!, codes[4]!.toUpperCase())).toHaveLength(8);
  });

  it("refuses unknown codes, TOTP-looking input and garbage", () => {
    const hashes = generateRecoveryCodes().map(hashRecoveryCode);
    const [other] = generateRecoveryCodes(1);
    expect(consumeRecoveryCode(hashes, other!)).toBeNull();
    expect(consumeRecoveryCode(hashes, "123456")).toBeNull();
    expect(consumeRecoveryCode(hashes, "")).toBeNull();
    expect(consumeRecoveryCode([], other!)).toBeNull();
  });
});
