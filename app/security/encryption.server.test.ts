import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FieldCipher } from "./encryption.server";

const k1 = { id: "k1", key: randomBytes(32) };
const k2 = { id: "k2", key: randomBytes(32) };

/** Flips one bit of the ciphertext+tag part of a stored value. */
function tamper(value: string) {
  const [version, kid, iv, body] = value.split(".");
  const bytes = Buffer.from(body!, "base64url");
  bytes[0]! ^= 0x01;
  return [version, kid, iv, bytes.toString("base64url")].join(".");
}

describe("FieldCipher", () => {
  it("round-trips and stores the key id with each value", () => {
    const cipher = new FieldCipher([k1]);
    const stored = cipher.encrypt("123-45-6789", "customers.ssn");
    expect(stored).toMatch(/^v1\.k1\.[\w-]+\.[\w-]+$/);
    expect(stored).not.toContain("6789");
    expect(FieldCipher.keyIdOf(stored)).toBe("k1");
    expect(cipher.decrypt(stored, "customers.ssn")).toBe("123-45-6789");
    // A fresh IV per value: the same plaintext never encrypts to the same value.
    expect(cipher.encrypt("123-45-6789", "customers.ssn")).not.toBe(stored);
    expect(cipher.decrypt(cipher.encrypt("", "customers.ssn"), "customers.ssn")).toBe("");
    expect(cipher.decrypt(cipher.encrypt("ünï 💳", "x.y"), "x.y")).toBe("ünï 💳");
  });

  it("rejects a tampered value", () => {
    const cipher = new FieldCipher([k1]);
    const stored = cipher.encrypt("000123456789", "merchants.disbursement_account");
    expect(() => cipher.decrypt(tamper(stored), "merchants.disbursement_account")).toThrow();
    const [version, , iv, body] = stored.split(".");
    const otherIv = randomBytes(12).toString("base64url");
    expect(iv).not.toBe(otherIv);
    expect(() =>
      cipher.decrypt([version, "k1", otherIv, body].join("."), "merchants.disbursement_account"),
    ).toThrow();
  });

  it("binds the context: a value copied to another column does not decrypt", () => {
    const cipher = new FieldCipher([k1]);
    const stored = cipher.encrypt("1990-01-01", "customers.date_of_birth");
    expect(() => cipher.decrypt(stored, "customers.ssn")).toThrow();
  });

  it("encrypts with the first key and still decrypts values under older keys", () => {
    const old = new FieldCipher([k1]).encrypt("secret", "operators.totp_secret");
    const rotated = new FieldCipher([k2, k1]);
    expect(rotated.currentKeyId).toBe("k2");
    expect(rotated.decrypt(old, "operators.totp_secret")).toBe("secret");
    const fresh = rotated.encrypt("secret", "operators.totp_secret");
    expect(FieldCipher.keyIdOf(fresh)).toBe("k2");
    // The new key alone decrypts new values, not old ones.
    expect(new FieldCipher([k2]).decrypt(fresh, "operators.totp_secret")).toBe("secret");
  });

  it("names an unknown key id, and rejects what is not an encrypted value", () => {
    const old = new FieldCipher([k1]).encrypt("secret", "operators.totp_secret");
    expect(() => new FieldCipher([k2]).decrypt(old, "operators.totp_secret")).toThrow(
      'Unknown encryption key id "k1"',
    );
    expect(() => new FieldCipher([k1]).decrypt("plaintext", "x.y")).toThrow(
      "Not an encrypted value",
    );
    expect(() => new FieldCipher([])).toThrow();
  });

  it("fails loudly when a key id was reused for different key material", () => {
    const stored = new FieldCipher([k1]).encrypt("secret", "a.b");
    expect(() =>
      new FieldCipher([{ id: "k1", key: randomBytes(32) }]).decrypt(stored, "a.b"),
    ).toThrow();
  });
});
