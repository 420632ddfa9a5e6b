import { generate, generateSecret, generateURI, verify } from "otplib";

/** TOTP (RFC 6238, 30 s, 6 digits) via otplib; secrets are base32 and stored encrypted. */
export const newTotpSecret = () => generateSecret();

/** `issuer` names the account in the authenticator app: FlowOps, or the merchant portal. */
export function totpUri(secret: string, email: string, issuer = "FlowPay Ops") {
  return generateURI({ issuer, label: email, secret });
}

export function currentTotp(secret: string) {
  return generate({ secret });
}

/**
 * The time step (unix seconds / 30) a code belongs to, or null when it is wrong. Accepts the
 * current code and one step either side, for clock drift. With `afterTimeStep` (the step of the
 * operator's last accepted code), a code of that step or an earlier one is refused: RFC 6238
 * §5.2, a code is good for one sign-in. Callers must still *record* the step atomically
 * (`claimTotpStep` in app/security/totp-step.server.ts) so two concurrent requests cannot both pass.
 */
export async function matchTotp(
  secret: string,
  token: string,
  afterTimeStep?: number | null,
): Promise<number | null> {
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({
    secret,
    token,
    epochTolerance: 30,
    ...(afterTimeStep != null ? { afterTimeStep } : {}),
  });
  // (The result type also covers HOTP, which has no time step.)
  return result.valid && "timeStep" in result ? (result.timeStep as number) : null;
}

/** Whether a code is right now (no replay memory: for tools, not for sign-in). */
export async function verifyTotp(secret: string, token: string) {
  return (await matchTotp(secret, token)) !== null;
}
