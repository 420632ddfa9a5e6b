import { generate, generateSecret, generateURI, verify } from "otplib";

/** TOTP (RFC 6238, 30 s, 6 digits) via otplib; secrets are base32 and stored encrypted. */
export const newTotpSecret = () => generateSecret();

export function totpUri(secret: string, email: string) {
  return generateURI({ issuer: "FlowPay Ops", label: email, secret });
}

export function currentTotp(secret: string) {
  return generate({ secret });
}

/** Accepts the current code and one step either side, for clock drift. */
export async function verifyTotp(secret: string, token: string) {
  if (!/^\d{6}$/.test(token)) return false;
  const result = await verify({ secret, token, epochTolerance: 30 });
  return result.valid;
}
