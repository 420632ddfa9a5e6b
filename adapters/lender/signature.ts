/**
 * X-Lender-Signature (docs/product/api.md): `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
 * rejected when `t` is more than 5 minutes from now. During a secret rotation the lender may
 * send several `v1=` values in one header (one per secret); any one matching is enough.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { PartnerError } from "~/adapters/shared/errors";
import { type LenderEvent } from "./types";
import { webhookEventSchema } from "./wire";

export const LENDER_SIGNATURE_HEADER = "X-Lender-Signature";
export const LENDER_SIGNATURE_TOLERANCE_SECONDS = 300;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function hmacHex(secret: string, rawBody: string, t: number): string {
  return createHmac("sha256", secret).update(`${t}.${rawBody}`, "utf8").digest("hex");
}

/** The X-Lender-Signature header value for `rawBody` sent at `t` (unix seconds). */
export function signLenderWebhook(secret: string, rawBody: string, t: number): string {
  if (!Number.isSafeInteger(t) || t < 0) throw new RangeError("t must be unix seconds");
  return `t=${t},v1=${hmacHex(secret, rawBody, t)}`;
}

/**
 * `t=…,v1=…[,v1=…]` → `{ t, v1: [...] }`; unknown schemes (`v0=…`) are ignored. Null when
 * the header has no integer `t`, two `t`s, or no `v1` at all.
 */
export function parseSignatureHeader(header: string): { t: number; v1: string[] } | null {
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (t !== undefined || !/^\d{1,12}$/.test(value)) return null;
      t = Number(value);
    } else if (key === "v1" && value) {
      v1.push(value);
    }
  }
  if (t === undefined || v1.length === 0) return null;
  return { t, v1 };
}

function reject(partner: string, code: string, message: string): PartnerError {
  return new PartnerError(message, { partner, code, permanent: true });
}

/**
 * Checks the signature (constant time, every secret against every `v1`), then the time
 * window, then parses the event. Every failure is a permanent PartnerError: the same
 * request will never verify (the receiver answers 401 and stores nothing).
 */
export function verifyLenderWebhook(options: {
  partner: string;
  secrets: readonly string[];
  rawBody: string;
  signatureHeader: string | null | undefined;
  now?: Date;
}): LenderEvent {
  const { partner, secrets, rawBody, signatureHeader } = options;
  const now = options.now ?? new Date();
  if (!signatureHeader?.trim()) {
    throw reject(partner, "SIGNATURE_MISSING", `${LENDER_SIGNATURE_HEADER} is missing`);
  }
  const parsed = parseSignatureHeader(signatureHeader);
  if (!parsed) {
    throw reject(partner, "SIGNATURE_MALFORMED", `${LENDER_SIGNATURE_HEADER} is malformed`);
  }

  const candidates = parsed.v1
    .filter((value) => HEX_SHA256.test(value))
    .map((value) => Buffer.from(value, "hex"));
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(hmacHex(secret, rawBody, parsed.t), "hex");
    for (const candidate of candidates) {
      // Same length guaranteed by HEX_SHA256; compare every pair, no early exit on content.
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  if (!matched) {
    throw reject(partner, "SIGNATURE_INVALID", `${LENDER_SIGNATURE_HEADER} does not match`);
  }

  const skewSeconds = Math.abs(Math.floor(now.getTime() / 1000) - parsed.t);
  if (skewSeconds > LENDER_SIGNATURE_TOLERANCE_SECONDS) {
    throw reject(
      partner,
      "SIGNATURE_STALE",
      `${LENDER_SIGNATURE_HEADER} timestamp is ${skewSeconds} s away from now (tolerance ${LENDER_SIGNATURE_TOLERANCE_SECONDS} s)`,
    );
  }

  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw reject(partner, "INVALID_EVENT", "Lender webhook body is not JSON");
  }
  const event = webhookEventSchema.safeParse(json);
  if (!event.success) {
    const fields = event.error.issues.map((issue) => issue.path.join(".") || "(body)");
    throw reject(
      partner,
      "INVALID_EVENT",
      `Lender webhook body is not a lender event (${[...new Set(fields)].join(", ")})`,
    );
  }
  return {
    id: event.data.id,
    event: event.data.event,
    lenderLoanId: event.data.loan_id,
    fundedAmountCents: event.data.funded_amount_cents ?? null,
    occurredAt: new Date(event.data.occurred_at),
    raw: json as Record<string, unknown>,
  };
}
