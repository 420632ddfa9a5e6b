/**
 * The CRM write-back partner as the rest of FlowPay sees it. Two implementations:
 * `sandbox.ts` (in memory, magic subdomains) and `live.ts` (FieldRoutes' REST API, one
 * POST per call to `https://{subdomain}.fieldroutes.com/api/{entity}/{action}`).
 *
 * FieldRoutes has no OAuth and no webhooks: each office is connected with its subdomain,
 * `authenticationKey` and `authenticationToken`, and FlowPay polls for what it needs.
 * Every failed call throws a `PartnerError` (adapters/shared/errors.ts) with
 * `partner: "fieldroutes"`; see docs/sandbox/fieldroutes.md for which are permanent.
 */

export type FieldRoutesCredentials = {
  /** The office's subdomain: `acme` for https://acme.fieldroutes.com. Letters, digits and `-` only. */
  subdomain: string;
  authenticationKey: string;
  authenticationToken: string;
  /** Needed on writes when the key is a global (multi-office) key. */
  officeId?: string;
};

/**
 * One call to the CRM, as the app stores it in `crm_sync_logs`. `request` and `response`
 * are redacted: never the key or the token (they travel in headers and are scrubbed from
 * anything echoed back), and large answers are cut down (see `MAX_LOGGED_CHARS` in
 * internal.ts).
 */
export type CrmCallLog = {
  /** `{entity}/{action}`, e.g. "note/create". */
  operation: string;
  request: unknown /* redacted: never the key/token */;
  response: unknown;
  durationMs: number;
  outcome: "ok" | "error";
  error?: string;
};

export type CrmAppointment = {
  appointmentId: string;
  customerId: string;
  /** 0 pending, 1 completed, 2 no-show (FieldRoutes' codes; others passed through). */
  status: number;
  notes: string;
  /** As FieldRoutes sends it ("YYYY-MM-DD HH:MM:SS", office time — unconfirmed). */
  dateUpdated: string;
};

export interface CrmAdapter {
  readonly name: "fieldroutes" | "sandbox";
  /** A cheap authenticated read (e.g. office/get or customer/search with limit 1) used to verify credentials when an operator saves them. */
  verify(signal?: AbortSignal): Promise<{ ok: true; officeName?: string }>;
  /** note/create on the customer (customerID, date, contactType, notes, showOnInvoice) — returns the note id. */
  addNote(
    input: { customerId: string; text: string; date: Date; idempotencyKey: string },
    signal?: AbortSignal,
  ): Promise<{ noteId: string }>;
  /** appointment/update of the job's appointment notes (appointmentID, notes). */
  updateAppointmentNotes(
    input: { appointmentId: string; notes: string },
    signal?: AbortSignal,
  ): Promise<void>;
  /** appointment/get (ids in, ≤ 1000) for polling what FieldRoutes cannot push. */
  getAppointments(ids: string[], signal?: AbortSignal): Promise<CrmAppointment[]>;
}

/** Called once per CRM call (and once per call refused by an open circuit breaker). */
export type CrmCallListener = (log: CrmCallLog) => void | Promise<void>;
