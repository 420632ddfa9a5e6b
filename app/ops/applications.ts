import * as z from "zod/mini";
import { applicationStatuses, type ApplicationStatus } from "~/db/schema/applications";
import { dayMs } from "./dashboard";
import {
  agingBucketIds,
  funnelSteps,
  type AgingBucketId,
  type FunnelStep,
} from "./dashboard-funnel";

/** The statuses the list filters by (routes take them from here, not from db: ADR 038). */
export { applicationStatuses };

/**
 * The applications list's inputs, pure and tested: filters from the query string, the keyset
 * cursor, the FTS5 MATCH expression built from what an operator typed, and PII masks.
 */
export const pageSize = 25;

export const statusLabels: Record<ApplicationStatus, string> = {
  link_sent: "Link sent",
  in_progress: "In progress",
  submitted: "Submitted",
  approved: "Approved",
  declined: "Declined",
  manual_review: "Manual review",
  offer_accepted: "Offer accepted",
  pending_funding: "Pending funding",
  funded: "Funded",
  canceled: "Canceled",
  expired: "Expired",
  lender_declined: "Lender declined",
  awaiting_completion: "Awaiting completion",
  partially_refunded: "Partially refunded",
  refunded: "Refunded",
};

// zod/mini: this module reaches the browser, and classic zod would ship there whole (ADR 018).
const isoDate = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/),
  z.refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`))),
);

/**
 * A cursor names the last row of the page before: its created_at (ms) and id, and in a search
 * its rank too (search results are ordered best match first, ADR 081): "7~1765000000000.app_…".
 */
export type Cursor = { createdAt: number; id: string; rank?: number };

export function encodeCursor(cursor: Cursor): string {
  const rank = cursor.rank === undefined ? "" : `${cursor.rank}~`;
  return `${rank}${cursor.createdAt}.${cursor.id}`;
}

export function decodeCursor(value: string | null | undefined): Cursor | null {
  const match = /^(?:(\d{1,3})~)?(\d{1,15})\.([a-z]{2,5}_[0-9a-z]{10,40})$/.exec(value ?? "");
  if (!match) return null;
  const cursor: Cursor = { createdAt: Number(match[2]), id: match[3]! };
  if (match[1] !== undefined) cursor.rank = Number(match[1]);
  return cursor;
}

export type ApplicationFilters = {
  q: string;
  status: ApplicationStatus | null;
  merchantId: string | null;
  /** YYYY-MM-DD (UTC), inclusive. */
  from: string | null;
  to: string | null;
  after: Cursor | null;
  /** Reached at least this funnel step (the dashboard's funnel tiles, ADR 079). */
  stage?: Exclude<FunnelStep, "sent"> | null;
  /** Signed but not funded, signed this long ago ("any": all of them) — funding aging. */
  aging?: AgingBucketId | "any" | null;
};

/**
 * Filters from a URL's query string. Anything malformed is dropped rather than refused: a bad
 * bookmark still opens the list. `errors` says what was ignored, so the page can tell.
 */
export function parseFilters(params: URLSearchParams): {
  filters: ApplicationFilters;
  errors: string[];
} {
  const errors: string[] = [];
  const text = (name: string) => (params.get(name) ?? "").trim();
  const status = text("status");
  const from = text("from");
  const to = text("to");
  const merchant = text("merchant");
  const after = text("after");
  const stage = text("stage");
  const aging = text("aging");
  const filters: ApplicationFilters = {
    q: text("q").slice(0, 200),
    status: (applicationStatuses as readonly string[]).includes(status)
      ? (status as ApplicationStatus)
      : null,
    merchantId: /^mer_[0-9a-z]{10,40}$/.test(merchant) ? merchant : null,
    from: isoDate.safeParse(from).success ? from : null,
    to: isoDate.safeParse(to).success ? to : null,
    after: decodeCursor(after),
    stage:
      funnelSteps.includes(stage as FunnelStep) && stage !== "sent"
        ? (stage as Exclude<FunnelStep, "sent">)
        : null,
    aging:
      aging === "any" || agingBucketIds.includes(aging as AgingBucketId)
        ? (aging as AgingBucketId | "any")
        : null,
  };
  if (status && !filters.status) errors.push("Unknown status ignored.");
  if (from && !filters.from) errors.push("“Created from” must be a date (YYYY-MM-DD).");
  if (to && !filters.to) errors.push("“Created to” must be a date (YYYY-MM-DD).");
  if (merchant && !filters.merchantId) errors.push("Unknown merchant ignored.");
  if (stage && !filters.stage) errors.push("Unknown funnel step ignored.");
  if (aging && !filters.aging) errors.push("Unknown funding age ignored.");
  if (after && !filters.after) errors.push("The page link was not valid; showing the first page.");
  return { filters, errors };
}

/** created_at bounds (ms, from inclusive, to exclusive) of a UTC date range. */
export function createdRange(filters: Pick<ApplicationFilters, "from" | "to">) {
  return {
    fromMs: filters.from ? Date.parse(`${filters.from}T00:00:00Z`) : null,
    toMs: filters.to ? Date.parse(`${filters.to}T00:00:00Z`) + dayMs : null,
  };
}

/** The query string of a list URL (filters kept, cursor optional), without empty values. */
export function listSearch(filters: ApplicationFilters, after: Cursor | null): string {
  const params = new URLSearchParams();
  if (filters.q) params.set("q", filters.q);
  if (filters.status) params.set("status", filters.status);
  if (filters.merchantId) params.set("merchant", filters.merchantId);
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  if (filters.stage) params.set("stage", filters.stage);
  if (filters.aging) params.set("aging", filters.aging);
  if (after) params.set("after", encodeCursor(after));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/**
 * An FTS5 MATCH expression from free text, or null when nothing searchable is left. Operators
 * type names, e-mail addresses, phone numbers or CRM ids — never FTS syntax: every word
 * becomes a quoted prefix phrase ("jam"* "riv"*), so quotes, colons, NEAR or a stray "-"
 * cannot change the query or make it fail. A phone number however it is written ("(512)
 * 555-0142", "+1 512 555 0142") becomes its digits (the phone column holds the number as
 * stored, its national 10 digits and its last 7; a digits-only CRM id matches too).
 */
export function ftsQuery(input: string): string | null {
  const text = input.normalize("NFKC").trim();
  if (!text) return null;
  const digits = text.replace(/\D/g, "");
  if (/^[\d\s()+.-]+$/.test(text) && digits.length >= 7) {
    return `"${digits}"*`;
  }
  const terms = text
    .split(/\s+/)
    .map((word) => word.replace(/"/g, ""))
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .slice(0, 8);
  if (terms.length === 0) return null;
  return terms.map((word) => `"${word}"*`).join(" ");
}

/** SSN for display: "•••••1234". */
export function maskSsn(last4: string | null | undefined): string {
  return last4 && /^\d{4}$/.test(last4) ? `•••••${last4}` : "—";
}

/** Date of birth for display: "••/••/1985" (the year only). */
export function maskDateOfBirth(isoDate: string | null | undefined): string {
  const match = /^(\d{4})-\d{2}-\d{2}$/.exec(isoDate ?? "");
  return match ? `••/••/${match[1]}` : "—";
}

/** "04/12/1985" from "1985-04-12" (shown only after a reveal). */
export function formatDateOfBirth(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  return match ? `${match[2]}/${match[3]}/${match[1]}` : isoDate;
}

/** "123-45-6789" from nine digits (shown only after a reveal). */
export function formatSsn(ssn: string): string {
  const digits = ssn.replace(/\D/g, "");
  return digits.length === 9
    ? `${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`
    : ssn;
}

export const revealFields = ["ssn", "date_of_birth"] as const;
export type RevealField = (typeof revealFields)[number];
export const revealReasonMinLength = 10;
