/** The Message-ID both adapters give a message: derived from the idempotency key only. */
import { createHash } from "node:crypto";

export const PARTNER = "smtp";

/** Used when the sender's address has no usable domain. */
export const FALLBACK_MESSAGE_ID_DOMAIN = "flowpay.invalid";

/** The domain of a From value ("FlowPay <no-reply@mail.flowpay.com>" → "mail.flowpay.com"). */
export function domainOf(from: string): string | null {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  const at = address.lastIndexOf("@");
  if (at < 0) return null;
  const domain = address
    .slice(at + 1)
    .trim()
    .toLowerCase();
  return /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(domain) ? domain : null;
}

/**
 * `<fp.` + 32 hex characters of sha256(idempotency key) + `@` + the sender's domain `>`.
 * The key itself is not shown (it may name our internal ids); the same key always gives
 * the same Message-ID, so a retried send is recognisable downstream (in the recipient's
 * headers, in bounces, at the relay).
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const hash = createHash("sha256").update(idempotencyKey, "utf8").digest("hex").slice(0, 32);
  return `<fp.${hash}@${domainOf(from) ?? FALLBACK_MESSAGE_ID_DOMAIN}>`;
}
