/**
 * Bits the live adapter, the sandbox and the fake share: the wire encoding, the reading of
 * `success: false`, the note marker, redaction. Not part of the adapter's interface.
 */
import { createHash } from "node:crypto";
import { PartnerError } from "~/adapters/shared/errors";
import { fieldRoutesIdPattern } from "./ids";
import { type CrmCallListener, type CrmCallLog, type FieldRoutesCredentials } from "./types";

export const PARTNER = "fieldroutes";

/**
 * Where the key and the token go: two request headers, named as the parameters are.
 * *Unconfirmed*: FieldRoutes documents both headers and POST parameters; headers keep the
 * secrets out of every body we build (and so out of anything we might log). This is the
 * only place that decides it — change it here (and in the fake, which accepts both).
 */
export const AUTH_HEADER_KEY = "authenticationKey";
export const AUTH_HEADER_TOKEN = "authenticationToken";

export function authHeaders(credentials: FieldRoutesCredentials): Record<string, string> {
  return {
    [AUTH_HEADER_KEY]: credentials.authenticationKey,
    [AUTH_HEADER_TOKEN]: credentials.authenticationToken,
  };
}

/** A FieldRoutes subdomain: one DNS label. Anything else could point the call (and the credentials) elsewhere. */
export const SUBDOMAIN_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * FieldRoutes ids are integers; we refuse anything else before it reaches a URL or a body — the
 * same rule the intake applies (ids.ts).
 */
export const ID_PATTERN = fieldRoutesIdPattern;

/** FieldRoutes answers at most this many records per `*\/get`. */
export const MAX_GET_IDS = 1000;

/**
 * Request body: `application/x-www-form-urlencoded`; strings and numbers as they are,
 * arrays and objects JSON-encoded (`appointmentIDs=[1,2]`,
 * `dateAdded={"operator":">","value":…}`). *Unconfirmed* beyond what docs/product/partners.md says
 * (search filters are JSON objects); kept here so the fake reads what the adapter writes.
 */
export function encodeParams(params: Record<string, unknown>): URLSearchParams {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === "string") form.set(name, value);
    else if (typeof value === "number" || typeof value === "boolean") form.set(name, String(value));
    else form.set(name, JSON.stringify(value));
  }
  return form;
}

/** The inverse of `encodeParams` (the fake's reading): values that parse as JSON arrays/objects are decoded. */
export function decodeParams(form: URLSearchParams): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, value] of form) {
    const trimmed = value.trim();
    if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
      try {
        params[name] = JSON.parse(trimmed) as unknown;
        continue;
      } catch {
        // not JSON: keep the string
      }
    }
    params[name] = value;
  }
  return params;
}

/**
 * How a `success: false` answer (HTTP 200) is read, from its `errorMessage` — FieldRoutes
 * gives no error codes (*unconfirmed*), so this is a reading of words:
 *
 * - rate limits and quotas ("rate limit", "too many requests", "throttled", "quota",
 *   "limit reached/exceeded") → transient, code `RATE_LIMITED`;
 * - the partner being slow or down ("timeout", "timed out", "temporarily", "try again",
 *   "unavailable", "maintenance", "overloaded") → transient, code `PARTNER_BUSY`;
 * - credentials ("authentication", "credential", "api key", "unauthorized",
 *   "not authorized", "permission", "access denied") → permanent, code `AUTH_REJECTED`;
 * - anything else (validation, "not found", …) → permanent, code `REJECTED`.
 *
 * Transient wins over credentials when both match. The risk: a validation message that
 * happens to say "limit" (e.g. "character limit exceeded") is retried until the job's
 * attempts run out instead of failing at once — a delay, not a wrong write.
 */
const RATE_LIMIT_WORDS =
  /rate.?limit|too many requests|throttl|quota|limit (?:has been )?(?:reached|exceeded)|exceeded (?:the |your )?(?:\w+ )?limit/i;
const BUSY_WORDS = /time(?:d)? ?out|temporar|try again|unavailable|maintenance|overloaded/i;
const AUTH_WORDS =
  /authenticat|credential|api key|unauthori[sz]ed|not authori[sz]ed|permission|access denied/i;

export type SuccessFalseReading = {
  permanent: boolean;
  code: "RATE_LIMITED" | "PARTNER_BUSY" | "AUTH_REJECTED" | "REJECTED";
};

export function classifySuccessFalse(errorMessage: string): SuccessFalseReading {
  if (RATE_LIMIT_WORDS.test(errorMessage)) return { permanent: false, code: "RATE_LIMITED" };
  if (BUSY_WORDS.test(errorMessage)) return { permanent: false, code: "PARTNER_BUSY" };
  if (AUTH_WORDS.test(errorMessage)) return { permanent: true, code: "AUTH_REJECTED" };
  return { permanent: true, code: "REJECTED" };
}

/**
 * FieldRoutes has no idempotency key, so a note carries its own: `[fp:` + the first 8 hex
 * characters of sha256(idempotencyKey) + `]`, appended to the text. 32 bits is plenty to
 * tell apart the notes of one customer; it is not a secret.
 */
export function noteMarker(idempotencyKey: string): string {
  return `[fp:${createHash("sha256").update(idempotencyKey, "utf8").digest("hex").slice(0, 8)}]`;
}

export function withMarker(text: string, marker: string): string {
  return text.includes(marker) ? text : `${text.trimEnd()} ${marker}`;
}

/**
 * `YYYY-MM-DD HH:MM:SS` in `timeZone` (FieldRoutes shows office-local times; which zone it
 * expects on writes is *unconfirmed* — the adapter's `timeZone` option, default UTC).
 */
export function formatFieldRoutesDate(date: Date, timeZone = "UTC"): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((part) => part.type === type)?.value ?? "00";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")}`;
}

export function invalidIdError(what: string, value: string): PartnerError {
  return new PartnerError(`Not a FieldRoutes ${what}: ${JSON.stringify(value.slice(0, 40))}`, {
    partner: PARTNER,
    code: "INVALID_ID",
    permanent: true,
  });
}

export function abortedError(operation: string, signal: AbortSignal): PartnerError {
  return new PartnerError(`FieldRoutes ${operation} aborted by the caller`, {
    partner: PARTNER,
    code: "ABORTED",
    permanent: false,
    cause: signal.reason,
  });
}

// ---------------------------------------------------------------------------------------
// Redaction and the call log

const REDACTED = "[REDACTED]";
const SECRET_KEYS =
  /^(?:authentication_?key|authentication_?token|authorization|password|secret)$/i;

/** A logged request or response longer than this (as JSON) is replaced by a preview. */
export const MAX_LOGGED_CHARS = 8_000;

/**
 * A deep copy with credential-named fields blanked and every occurrence of a secret value
 * (in any string, keys included) replaced — in case FieldRoutes echoes the key back in an
 * error message.
 */
export function redact(value: unknown, secrets: readonly string[], depth = 0): unknown {
  const usable = secrets.filter((secret) => secret.length >= 4);
  const scrub = (text: string) =>
    usable.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  const walk = (v: unknown, d: number): unknown => {
    if (typeof v === "string") return scrub(v);
    if (v === null || typeof v !== "object") return v;
    if (d > 20) return "[…]";
    if (Array.isArray(v)) return v.map((item) => walk(item, d + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      out[scrub(key)] = SECRET_KEYS.test(key) ? REDACTED : walk(item, d + 1);
    }
    return out;
  };
  return walk(value, depth);
}

/** Big answers (an appointment/get of 1,000 records) are cut to a preview for the log. */
export function forLog(value: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return "[unserialisable]";
  }
  if (text === undefined || text.length <= MAX_LOGGED_CHARS) return value;
  return { truncated: true, chars: text.length, preview: text.slice(0, 2_000) };
}

/** Calls the listener; its failures (sync or async) never fail the CRM call. */
export function report(listener: CrmCallListener | undefined, log: CrmCallLog): void {
  if (!listener) return;
  try {
    const result = listener(log);
    if (result && typeof (result as Promise<void>).catch === "function") {
      (result as Promise<void>).catch((error: unknown) => {
        console.warn("fieldroutes: onCall listener failed", error);
      });
    }
  } catch (error) {
    console.warn("fieldroutes: onCall listener failed", error);
  }
}
