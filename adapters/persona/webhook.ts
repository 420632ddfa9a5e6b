/**
 * Persona webhooks: the `Persona-Signature` scheme (both directions) and the event body.
 *
 * `Persona-Signature: t=<unix seconds>,v1=<hex>` with
 * `v1 = hex(HMAC-SHA256(secret, t + "." + rawBody))`. While a webhook secret is being
 * rotated the header carries two pairs separated by a space (one per secret); a request is
 * genuine when any pair matches any secret we hold. Verify the exact bytes received —
 * parse the JSON only afterwards.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { statusForEvent } from "./events";
import { isRecord, webhookError } from "./internal";
import { type KycEvent, type KycStatus } from "./types";

/** A signature's `t` may be at most this far from our clock, either way (replays, skew). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** hex(HMAC-SHA256(secret, `${t}.${rawBody}`)) — the `v1` of one pair. */
export function personaSignature(rawBody: string, secret: string, t: number): string {
  return createHmac("sha256", secret).update(`${t}.${rawBody}`, "utf8").digest("hex");
}

/**
 * A whole `Persona-Signature` header: one `t=…,v1=…` pair per secret, space-separated (two
 * secrets = what Persona sends during a rotation).
 */
export function personaSignatureHeader(
  rawBody: string,
  secrets: string | readonly string[],
  t: number,
): string {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  return list.map((secret) => `t=${t},v1=${personaSignature(rawBody, secret, t)}`).join(" ");
}

type SignaturePair = { t: number; v1: string[] };

/** The well-formed pairs of a header; malformed pairs are dropped. */
export function parseSignatureHeader(header: string): SignaturePair[] {
  const pairs: SignaturePair[] = [];
  for (const token of header.trim().split(/\s+/)) {
    let t: number | undefined;
    const v1: string[] = [];
    let malformed = false;
    for (const part of token.split(",")) {
      const eq = part.indexOf("=");
      if (eq <= 0) {
        malformed = true;
        break;
      }
      const key = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (key === "t") {
        if (!/^\d{1,12}$/.test(value) || t !== undefined) {
          malformed = true;
          break;
        }
        t = Number(value);
      } else if (key === "v1") {
        if (HEX_SHA256.test(value)) v1.push(value.toLowerCase());
      }
      // Other keys (a future v2 scheme) are ignored.
    }
    if (!malformed && t !== undefined && v1.length > 0) pairs.push({ t, v1 });
  }
  return pairs;
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Throws a permanent PartnerError unless some pair of the header matches some secret and
 * carries a `t` within the tolerance of `now`. Codes: `MISSING_SIGNATURE`,
 * `MALFORMED_SIGNATURE`, `BAD_SIGNATURE` (no pair matches any secret), `STALE_SIGNATURE`
 * (a pair matches but its `t` is too old or too far ahead).
 */
export function verifyPersonaSignature(
  rawBody: string,
  header: string | null | undefined,
  secrets: readonly string[],
  now: Date = new Date(),
): void {
  const usable = secrets.filter((secret) => secret.length > 0);
  if (usable.length === 0) {
    // A configuration bug, not the caller's: never "verify" against no secret at all.
    throw new Error("Persona webhook verification needs at least one webhook secret");
  }
  if (!header || !header.trim()) {
    throw webhookError("MISSING_SIGNATURE", "Persona webhook without a Persona-Signature header");
  }
  const pairs = parseSignatureHeader(header);
  if (pairs.length === 0) {
    throw webhookError("MALFORMED_SIGNATURE", "Persona-Signature header is malformed");
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  let matchedButStale = false;
  for (const pair of pairs) {
    // Each comparison is constant-time; which secret matched is not secret.
    const matches = usable.some((secret) => {
      const expected = personaSignature(rawBody, secret, pair.t);
      return pair.v1.map((v1) => sameHex(expected, v1)).some(Boolean);
    });
    if (!matches) continue;
    if (Math.abs(nowSeconds - pair.t) <= SIGNATURE_TOLERANCE_SECONDS) return;
    matchedButStale = true;
  }
  if (matchedButStale) {
    throw webhookError(
      "STALE_SIGNATURE",
      `Persona-Signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s from now`,
    );
  }
  throw webhookError("BAD_SIGNATURE", "Persona-Signature does not match any webhook secret");
}

function parseDate(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A (verified) webhook body → KycEvent. Persona's body is JSON:API:
 * `{ data: { type: "event", id: "evt_…", attributes: { name, "created-at", payload: {
 * data: { type: "inquiry", id: "inq_…", attributes: { status, "reference-id", … } } } } } }`.
 */
export function parsePersonaEvent(rawBody: string): KycEvent {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw webhookError("INVALID_EVENT", "Persona webhook body is not JSON");
  }
  const data = isRecord(json) ? json.data : undefined;
  const attributes = isRecord(data) ? data.attributes : undefined;
  if (!isRecord(data) || !isRecord(attributes)) {
    throw webhookError("INVALID_EVENT", "Persona webhook body has no data.attributes");
  }
  const eventId = data.id;
  const name = attributes.name;
  const createdAt = parseDate(attributes["created-at"]);
  if (typeof eventId !== "string" || !eventId || typeof name !== "string" || !createdAt) {
    throw webhookError("INVALID_EVENT", "Persona event lacks an id, a name or a created-at");
  }

  const payload = isRecord(attributes.payload) ? attributes.payload.data : undefined;
  const subject = isRecord(payload) ? payload : undefined;
  const isInquiry =
    subject !== undefined &&
    typeof subject.id === "string" &&
    (subject.type === "inquiry" || (subject.type === undefined && subject.id.startsWith("inq_")));
  if (!name.startsWith("inquiry.") || !isInquiry) {
    throw webhookError("UNSUPPORTED_EVENT", `Persona event ${name} is not about an inquiry`);
  }
  const inquiry = isRecord(subject.attributes) ? subject.attributes : {};
  const status = statusForEvent(name, inquiry.status);
  if (!status) {
    throw webhookError("UNSUPPORTED_EVENT", `Persona event ${name} carries no known status`);
  }
  const referenceId = inquiry["reference-id"];
  return {
    eventId,
    name,
    createdAt,
    inquiryId: subject.id as string,
    status,
    referenceId: typeof referenceId === "string" && referenceId ? referenceId : null,
  };
}

/** Signature check, then parse. The common body of every adapter's `verifyWebhook`. */
export function verifyPersonaWebhook(
  rawBody: string,
  header: string | null | undefined,
  secrets: readonly string[],
  now: Date = new Date(),
): KycEvent {
  verifyPersonaSignature(rawBody, header, secrets, now);
  return parsePersonaEvent(rawBody);
}

/** The body Persona would POST for an inquiry event (sandbox, fake server and tests). */
export function personaEventBody(event: {
  eventId: string;
  name: string;
  createdAt: Date;
  inquiryId: string;
  /** The inquiry's status as carried in the payload (defaults to the event's own). */
  status?: KycStatus;
  referenceId?: string | null;
}): string {
  const status = event.status ?? statusForEvent(event.name) ?? "pending";
  return JSON.stringify({
    data: {
      type: "event",
      id: event.eventId,
      attributes: {
        name: event.name,
        "created-at": event.createdAt.toISOString(),
        payload: {
          data: {
            type: "inquiry",
            id: event.inquiryId,
            attributes: {
              status,
              "reference-id": event.referenceId ?? null,
            },
          },
        },
      },
    },
  });
}
