/**
 * The mock lender: a real HTTP server (node:http) speaking the lender REST API of
 * docs/sandbox/lender.md — create loan, request disbursement, get loan — with Bearer auth,
 * Idempotency-Key semantics like a real lender's, and signed `loan.funded` webhooks that it
 * POSTs (with bounded retries) once a disbursement has "settled" after `fundingDelayMs`.
 *
 * Three uses:
 * - the sandbox lender of the embedded demo: `startEmbeddedMockLender(…)` (once per process);
 * - a fake server for tests: `startMockLender({ …, port: 0 })`, then `close()`;
 * - standalone: `node_modules/.bin/tsx adapters/lender/mock-lender.ts --port 4010`.
 *
 * State is in memory, or also in `stateFile` (JSON, rewritten on every change) so that a
 * restart keeps loans, idempotency keys and undelivered events.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type z } from "zod";
import { describeFetchError } from "./internal";
import {
  buildSettlementReport,
  isSettlementDate,
  SETTLEMENT_CONTENT_TYPE,
  settlementReportBody,
  settlementsPath,
} from "./settlement";
import { LENDER_SIGNATURE_HEADER, signLenderWebhook } from "./signature";
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENT_REPLAYED_HEADER,
  createDisbursementBodySchema,
  createLoanBodySchema,
  createRefundBodySchema,
  withdrawBodySchema,
  errorCodes,
  wireTimestamp,
  type WireDisbursement,
  type WireLoan,
  type WireRefund,
} from "./wire";

/** The credentials the standalone server (and the demo, unless configured) uses. Sandbox only. */
export const MOCK_LENDER_SANDBOX_API_KEY = "mock_lender_sandbox_api_key";
export const MOCK_LENDER_SANDBOX_WEBHOOK_SECRET = "mock_lender_sandbox_webhook_secret";

/** `borrower.last_name` that makes the mock lender answer a create with status "rejected". */
export const MOCK_LENDER_REJECTED_LAST_NAME = "Rejected";

/**
 * The sandbox's refusals, by `borrower.last_name` (any case), each with the reason code and
 * message a real lender's credit or compliance policy gives (docs/sandbox/lender.md).
 */
export const MOCK_LENDER_REFUSALS: Readonly<Record<string, { code: string; message: string }>> = {
  rejected: {
    code: "credit_policy",
    message:
      "The applicant does not meet the lender's credit policy for this program (debt obligations relative to income).",
  },
  unlicensed: {
    code: "state_not_licensed",
    message: "The lender is not licensed to make consumer loans in the borrower's state.",
  },
  overlimit: {
    code: "program_limit_exceeded",
    message: "The principal exceeds the lender's maximum for home-services installment loans.",
  },
  duplicate: {
    code: "duplicate_application",
    message: "The lender already holds an open loan request for this borrower.",
  },
};

export type MockLenderOptions = {
  apiKey: string;
  webhookSecret: string;
  /** Where events are POSTed, e.g. http://127.0.0.1:3000/api/v1/webhooks/lender/mock. Events wait while unset. */
  webhookUrl?: string | null;
  /** From a disbursement request to the loan being funded (and `loan.funded` sent). Default 2000. */
  fundingDelayMs?: number;
  /** Added before every API answer. Default 0. */
  responseDelayMs?: number;
  host?: string;
  port?: number;
  /** Attempts per webhook delivery, first one included. Default 5. */
  webhookMaxAttempts?: number;
  /** Wait before the 2nd attempt; doubled each time after. Default 1000. */
  webhookRetryDelayMs?: number;
  /** Per delivery attempt. Default 5000. */
  webhookTimeoutMs?: number;
  /** Keep the state in this JSON file too (loaded on start, rewritten on every change). */
  stateFile?: string;
  /**
   * Keep the state in a store shared by several processes (the database, ADR 025): read before
   * every request, what changed written before the answer — any process serving the mock lender
   * on that store sees every loan. Replaces `stateFile`.
   */
  store?: MockLenderStore;
  /** One line per API request and webhook attempt (the standalone server prints them). */
  log?: (line: string) => void;
  /** Refuse the sandbox last names of MOCK_LENDER_REFUSALS. Default true; false: a second lender that accepts them. */
  sandboxRefusals?: boolean;
};

export type MockLenderRequest = {
  method: string;
  path: string;
  idempotencyKey: string | null;
  /** Whether the Bearer key was right (null: not checked — health, injected failure). */
  authenticated: boolean | null;
  /** The JSON body as received (POST). */
  body: unknown;
  /** What the mock answered (0 while in flight). */
  status: number;
  /** An idempotent replay of an earlier request. */
  replayed: boolean;
  at: Date;
};

export type MockLenderEventState = "pending" | "delivering" | "delivered" | "failed";

export type MockLenderEvent = {
  id: string;
  event: string;
  loanId: string;
  /** The body POSTed, parsed; the raw body is JSON.stringify(payload). */
  payload: Record<string, unknown>;
  createdAt: string;
  /** pending: waiting for a webhook URL or for its first attempt; failed: attempts exhausted. */
  state: MockLenderEventState;
  attempts: number;
};

export type MockLenderWebhookAttempt = {
  eventId: string;
  event: string;
  url: string;
  attempt: number;
  signature: string;
  /** The receiver's HTTP status, or null when it could not be reached. */
  status: number | null;
  error: string | null;
  at: Date;
};

export type MockLender = {
  /** Base URL for the live adapter, e.g. http://127.0.0.1:43117 */
  url: string;
  /** Every request received, oldest first (the last 1,000). */
  requests: MockLenderRequest[];
  /** Every loan, by id, in the wire shape `GET /v1/loans/{id}` answers. */
  loans: ReadonlyMap<string, WireLoan>;
  /** Every event produced, oldest first (the last 1,000). */
  events: MockLenderEvent[];
  /** Every webhook delivery attempt, oldest first (the last 1,000). */
  webhookAttempts: MockLenderWebhookAttempt[];
  /** The next `count` API requests (before the auth check, like an outage at the edge) answer `status`. */
  failNext(count: number, status: number, code?: string): void;
  /** Funds the loan now (its pending disbursement completes) and sends `loan.funded`; an already funded loan re-sends its event (same id). Resolves when delivery ends. */
  fund(lenderLoanId: string): Promise<MockLenderEvent>;
  /** Cancels an unfunded loan and sends `loan.canceled`. */
  cancel(lenderLoanId: string): Promise<MockLenderEvent>;
  /** Fails the loan's pending disbursement (loan back to "approved") and sends `disbursement.failed`. */
  failDisbursement(lenderLoanId: string, reason?: string): Promise<MockLenderEvent>;
  /** Sets (or clears) the webhook URL; events waiting for one are sent. */
  setWebhookUrl(url: string | null): void;
  setResponseDelayMs(ms: number): void;
  setFundingDelayMs(ms: number): void;
  close(): Promise<void>;
};

const MAX_BODY_BYTES = 100_000;
const MAX_RECORDS = 1_000;
const LOAN_PATH = /^\/v1\/loans\/([^/]+)$/;
const DISBURSEMENTS_PATH = /^\/v1\/loans\/([^/]+)\/disbursements$/;
const REFUNDS_PATH = /^\/v1\/loans\/([^/]+)\/refunds$/;
const WITHDRAW_PATH = /^\/v1\/loans\/([^/]+)\/withdraw$/;
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

type IdempotencyRecord = {
  fingerprint: string;
  endpoint: string;
  status: number;
  loanId: string;
  disbursementId: string | null;
  /** Set for a refund request (absent in records stored before refunds existed). */
  refundId?: string | null;
};

type Work = {
  status: number;
  loan: WireLoan;
  disbursement?: WireDisbursement;
  refund?: WireRefund;
  /** Sent once the answer is recorded (a refund's loan.refunded, a withdrawal's loan.canceled). */
  event?: MockLenderEvent;
};

/** One loan, Idempotency-Key record or event, as JSON, in a MockLenderStore. */
export type MockLenderRecord = {
  kind: "loan" | "idempotency" | "event";
  key: string;
  body: string;
};

/** Where a mock lender shared by several processes keeps its state (ADR 025). */
export type MockLenderStore = {
  /** Records written after `cursor` (0: all), oldest first, and the cursor after them. */
  load(cursor: number): Promise<{ records: MockLenderRecord[]; cursor: number }>;
  /** Writes the records (a record replaces the one of its kind and key). */
  save(records: MockLenderRecord[]): Promise<void>;
};

type StateFile = {
  version: 1;
  loans: WireLoan[];
  idempotency: [string, IdempotencyRecord][];
  events: MockLenderEvent[];
};

/** `text`: a body that is not JSON (the settlement report's NDJSON), sent as it is. */
type Answer = { status: number; body: unknown; headers?: Record<string, string>; text?: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function randomId(prefix: string, length: number): string {
  let id = prefix;
  for (let i = 0; i < length; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** JSON with object keys sorted, so that key order does not change a request's fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function pushBounded<T>(list: T[], item: T) {
  list.push(item);
  if (list.length > MAX_RECORDS) list.splice(0, list.length - MAX_RECORDS);
}

function validationError(error: z.ZodError): HttpError {
  const details = error.issues.map((issue) => ({
    field: issue.path.join(".") || "(body)",
    message: issue.message,
  }));
  return new HttpError(
    422,
    errorCodes.invalidRequest,
    `Invalid request: ${details.map((d) => d.field).join(", ")}`,
    details,
  );
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be ≥ 0`);
  return value;
}

export async function startMockLender(options: MockLenderOptions): Promise<MockLender> {
  const { apiKey, webhookSecret, stateFile, log } = options;
  if (!apiKey) throw new Error("startMockLender: apiKey is required");
  if (!webhookSecret) throw new Error("startMockLender: webhookSecret is required");
  let webhookUrl = options.webhookUrl ?? null;
  let fundingDelayMs = nonNegative("fundingDelayMs", options.fundingDelayMs ?? 2_000);
  let responseDelayMs = nonNegative("responseDelayMs", options.responseDelayMs ?? 0);
  const webhookMaxAttempts = Math.max(1, Math.floor(options.webhookMaxAttempts ?? 5));
  const webhookRetryDelayMs = nonNegative(
    "webhookRetryDelayMs",
    options.webhookRetryDelayMs ?? 1_000,
  );
  const webhookTimeoutMs = nonNegative("webhookTimeoutMs", options.webhookTimeoutMs ?? 5_000);
  const apiKeyDigest = sha256(apiKey);

  const loans = new Map<string, WireLoan>();
  const idempotency = new Map<string, IdempotencyRecord>();
  const inProgress = new Map<string, string>(); // key → fingerprint
  const events: MockLenderEvent[] = [];
  const requests: MockLenderRequest[] = [];
  const webhookAttempts: MockLenderWebhookAttempt[] = [];
  const failures: { status: number; code: string }[] = [];
  const fundingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const deliveries = new Map<string, Promise<MockLenderEvent>>();
  const lifetime = new AbortController();
  let closed = false;

  // ---- state file ------------------------------------------------------------------------

  // ---- shared store (ADR 025) ----------------------------------------------------------
  // What this process last read or wrote per record, so only changes are written.
  const stored = new Map<string, string>();
  let storeCursor = 0;
  let storeWrites: Promise<void> = Promise.resolve();

  function storeRecords(): MockLenderRecord[] {
    return [
      ...[...loans.values()].map((l) => ({
        kind: "loan" as const,
        key: l.id,
        body: JSON.stringify(l),
      })),
      ...[...idempotency.entries()].map(([key, r]) => ({
        kind: "idempotency" as const,
        key,
        body: JSON.stringify(r),
      })),
      ...events.map((e) => ({ kind: "event" as const, key: e.id, body: JSON.stringify(e) })),
    ];
  }

  /** Queues the records that changed since they were last read or written. */
  function saveToStore(store: MockLenderStore) {
    const changed = storeRecords().filter((r) => stored.get(`${r.kind}:${r.key}`) !== r.body);
    if (changed.length === 0) return;
    for (const r of changed) stored.set(`${r.kind}:${r.key}`, r.body);
    storeWrites = storeWrites
      .then(() => store.save(changed))
      .catch((error: unknown) => log?.(`could not save to the store: ${(error as Error).message}`));
  }

  /** Reads what other processes wrote (after this process's own writes have landed). */
  async function loadFromStore(store: MockLenderStore) {
    await storeWrites;
    const { records, cursor } = await store.load(storeCursor);
    storeCursor = cursor;
    for (const r of records) {
      const id = `${r.kind}:${r.key}`;
      if (stored.get(id) === r.body) continue;
      stored.set(id, r.body);
      if (r.kind === "loan") loans.set(r.key, JSON.parse(r.body) as WireLoan);
      else if (r.kind === "idempotency")
        idempotency.set(r.key, JSON.parse(r.body) as IdempotencyRecord);
      else {
        const event = JSON.parse(r.body) as MockLenderEvent;
        const at = events.findIndex((e) => e.id === event.id);
        if (at >= 0) events[at] = event;
        else pushBounded(events, event);
      }
    }
  }

  function save() {
    if (options.store) return saveToStore(options.store);
    if (!stateFile) return;
    const state: StateFile = {
      version: 1,
      loans: [...loans.values()],
      idempotency: [...idempotency.entries()],
      events,
    };
    const tmp = `${stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, stateFile);
  }

  if (stateFile && existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as StateFile;
    if (state.version !== 1) throw new Error(`${stateFile}: unknown mock lender state version`);
    for (const loan of state.loans) loans.set(loan.id, loan);
    for (const [key, record] of state.idempotency) idempotency.set(key, record);
    for (const event of state.events) {
      // An attempt cut short by the restart counts as not made.
      events.push(event.state === "delivering" ? { ...event, state: "pending" } : event);
    }
  }

  // ---- loans and events ------------------------------------------------------------------

  function newLoanId(): string {
    for (;;) {
      const id = randomId("LOAN-", 6);
      if (!loans.has(id)) return id;
    }
  }

  function newDisbursementId(): string {
    const taken = new Set(
      [...loans.values()].flatMap((loan) => loan.disbursements.map((d) => d.id)),
    );
    for (;;) {
      const id = randomId("DISB-", 6);
      if (!taken.has(id)) return id;
    }
  }

  function getLoan(id: string): WireLoan {
    const loan = loans.get(id);
    if (!loan) throw new Error(`mock lender: no loan ${id}`);
    return loan;
  }

  const pendingDisbursement = (loan: WireLoan) =>
    loan.disbursements.find((d) => d.status === "pending");

  function clearFundingTimer(loanId: string) {
    const timer = fundingTimers.get(loanId);
    if (timer) clearTimeout(timer);
    fundingTimers.delete(loanId);
  }

  function scheduleFunding(loanId: string) {
    clearFundingTimer(loanId);
    const timer = setTimeout(() => {
      fundingTimers.delete(loanId);
      if (closed) return;
      const loan = loans.get(loanId);
      if (loan?.status !== "disbursement_pending") return;
      void deliver(settle(loan));
    }, fundingDelayMs);
    fundingTimers.set(loanId, timer);
  }

  function newEvent(event: string, loan: WireLoan, extra: Record<string, unknown> = {}) {
    const now = new Date();
    const record: MockLenderEvent = {
      id: "evt_" + randomBytes(12).toString("hex"),
      event,
      loanId: loan.id,
      payload: {
        id: "",
        event,
        loan_id: loan.id,
        funded_amount_cents: event === "loan.funded" ? loan.funded_amount_cents : null,
        occurred_at: wireTimestamp(now),
        ...extra,
      },
      createdAt: now.toISOString(),
      state: "pending",
      attempts: 0,
    };
    record.payload.id = record.id;
    pushBounded(events, record);
    save();
    return record;
  }

  function markFunded(loan: WireLoan): MockLenderEvent {
    clearFundingTimer(loan.id);
    const now = new Date();
    const disbursement = pendingDisbursement(loan);
    if (disbursement) {
      disbursement.status = "completed";
      disbursement.completed_at = wireTimestamp(now);
    }
    loan.status = "funded";
    // Every completed disbursement (two for a progress payment, ADR 050).
    const paid = loan.disbursements
      .filter((d) => d.status === "completed")
      .reduce((sum, d) => sum + d.amount_cents, 0);
    loan.funded_amount_cents = paid > 0 ? paid : loan.amount_financed_cents;
    loan.funded_at = wireTimestamp(now);
    return newEvent("loan.funded", loan);
  }

  /**
   * A settled disbursement: the loan funded, or — for a progress payment's first part
   * (`final: false`, ADR 050) — the part paid and the loan open for the next one.
   */
  function settle(loan: WireLoan): MockLenderEvent {
    const disbursement = pendingDisbursement(loan);
    if (!disbursement || disbursement.final !== false) return markFunded(loan);
    clearFundingTimer(loan.id);
    disbursement.status = "completed";
    disbursement.completed_at = wireTimestamp(new Date());
    loan.status = "approved";
    return newEvent("disbursement.completed", loan, {
      disbursement_id: disbursement.id,
      amount_cents: disbursement.amount_cents,
    });
  }

  async function attemptDelivery(event: MockLenderEvent): Promise<MockLenderEvent> {
    const body = JSON.stringify(event.payload);
    while (!closed) {
      const url = webhookUrl;
      if (!url) {
        event.state = "pending"; // sent when setWebhookUrl gives a URL
        save();
        return event;
      }
      event.attempts += 1;
      event.state = "delivering";
      const signature = signLenderWebhook(webhookSecret, body, Math.floor(Date.now() / 1000));
      const attempt: MockLenderWebhookAttempt = {
        eventId: event.id,
        event: event.event,
        url,
        attempt: event.attempts,
        signature,
        status: null,
        error: null,
        at: new Date(),
      };
      pushBounded(webhookAttempts, attempt);
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            [LENDER_SIGNATURE_HEADER]: signature,
            "User-Agent": "MockLender-Webhooks/1",
          },
          body,
          signal: AbortSignal.any([lifetime.signal, AbortSignal.timeout(webhookTimeoutMs)]),
          redirect: "manual",
        });
        attempt.status = response.status;
        await response.body?.cancel().catch(() => undefined);
      } catch (error) {
        attempt.error = describeFetchError(error);
      }
      log?.(
        `webhook ${event.event} ${event.id} → ${url}: ${attempt.status ?? attempt.error} (attempt ${event.attempts}/${webhookMaxAttempts})`,
      );
      if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
        event.state = "delivered";
        save();
        return event;
      }
      if (event.attempts >= webhookMaxAttempts) {
        event.state = "failed";
        save();
        return event;
      }
      const backoffMs = webhookRetryDelayMs * 2 ** (event.attempts - 1);
      try {
        await sleep(backoffMs, undefined, { signal: lifetime.signal });
      } catch {
        break; // closing
      }
    }
    event.state = "pending";
    return event;
  }

  /** One delivery run per event at a time. */
  function deliver(event: MockLenderEvent): Promise<MockLenderEvent> {
    const running = deliveries.get(event.id);
    if (running) return running;
    const run = attemptDelivery(event).finally(() => deliveries.delete(event.id));
    deliveries.set(event.id, run);
    return run;
  }

  function deliverWaiting() {
    for (const event of events) {
      if (event.state === "pending" && !deliveries.has(event.id)) void deliver(event);
    }
  }

  // ---- API -------------------------------------------------------------------------------

  function createLoan(body: unknown): { status: number; loan: WireLoan } {
    const parsed = createLoanBodySchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    const refusal =
      options.sandboxRefusals === false
        ? undefined
        : MOCK_LENDER_REFUSALS[parsed.data.borrower.last_name.toLowerCase()];
    const loan: WireLoan = {
      id: newLoanId(),
      object: "loan",
      status: refusal ? "rejected" : "approved",
      ...(refusal ? { rejection: { ...refusal } } : {}),
      ...parsed.data,
      funded_amount_cents: null,
      funded_at: null,
      canceled_at: null,
      created_at: wireTimestamp(new Date()),
      disbursements: [],
    };
    loans.set(loan.id, loan);
    return { status: 201, loan };
  }

  function createDisbursement(
    loanId: string,
    body: unknown,
  ): { status: number; loan: WireLoan; disbursement: WireDisbursement } {
    const loan = loans.get(loanId);
    if (!loan) throw new HttpError(404, errorCodes.notFound, `No loan ${loanId}`);
    const parsed = createDisbursementBodySchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    if (loan.status === "disbursement_pending") {
      throw new HttpError(
        409,
        errorCodes.disbursementExists,
        `Loan ${loan.id} already has a pending disbursement`,
      );
    }
    if (loan.status !== "approved") {
      throw new HttpError(
        422,
        errorCodes.loanNotDisbursable,
        `Loan ${loan.id} is ${loan.status} and cannot be disbursed`,
      );
    }
    // A loan may be paid in parts (progress payments, ADR 050): never more than financed in all.
    const disbursed = loan.disbursements
      .filter((d) => d.status !== "failed")
      .reduce((sum, d) => sum + d.amount_cents, 0);
    if (disbursed + parsed.data.amount_cents > loan.amount_financed_cents) {
      throw new HttpError(
        422,
        errorCodes.amountExceedsLoan,
        `amount_cents exceeds the amount financed (${loan.amount_financed_cents - disbursed} left)`,
      );
    }
    const disbursement: WireDisbursement = {
      id: newDisbursementId(),
      object: "disbursement",
      loan_id: loan.id,
      status: "pending",
      amount_cents: parsed.data.amount_cents,
      merchant_account_last4: parsed.data.merchant_account_last4,
      merchant_reference: parsed.data.merchant_reference,
      failure_reason: null,
      created_at: wireTimestamp(new Date()),
      completed_at: null,
      ...(parsed.data.final === false ? { final: false } : {}),
    };
    loan.disbursements.push(disbursement);
    loan.status = "disbursement_pending";
    scheduleFunding(loan.id);
    return { status: 201, loan, disbursement };
  }

  /**
   * A refund of a funded loan: the balance shrinks at once (a real lender may take days; the
   * answer says `completed` here, and `loan.refunded` follows — naming our reference — either way).
   */
  function createRefund(loanId: string, body: unknown): Work {
    const loan = loans.get(loanId);
    if (!loan) throw new HttpError(404, errorCodes.notFound, `No loan ${loanId}`);
    const parsed = createRefundBodySchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    if (loan.status !== "funded") {
      throw new HttpError(
        422,
        errorCodes.loanNotRefundable,
        `Loan ${loan.id} is ${loan.status}; only a funded loan can be refunded`,
      );
    }
    const refunded = loan.refunded_cents ?? 0;
    if (refunded + parsed.data.amount_cents > loan.principal_cents) {
      throw new HttpError(
        422,
        errorCodes.refundExceedsLoan,
        `amount_cents exceeds what is left of the loan (${loan.principal_cents - refunded})`,
      );
    }
    const now = wireTimestamp(new Date());
    const refund: WireRefund = {
      id: randomId("RFND-", 6),
      object: "refund",
      loan_id: loan.id,
      status: "completed",
      amount_cents: parsed.data.amount_cents,
      reference: parsed.data.reference,
      reason: parsed.data.reason,
      created_at: now,
      completed_at: now,
    };
    loan.refunds = [...(loan.refunds ?? []), refund];
    loan.refunded_cents = refunded + refund.amount_cents;
    const event = newEvent("loan.refunded", loan, {
      refund_id: refund.id,
      reference: refund.reference,
      amount_cents: refund.amount_cents,
      refunded_cents: loan.refunded_cents,
    });
    return { status: 201, loan, refund, event };
  }

  /** Withdraws a loan not yet funded; one already withdrawn (canceled) answers as it is. */
  function withdrawLoan(loanId: string, body: unknown): Work {
    const loan = loans.get(loanId);
    if (!loan) throw new HttpError(404, errorCodes.notFound, `No loan ${loanId}`);
    const parsed = withdrawBodySchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    if (loan.status === "canceled" || loan.status === "rejected") return { status: 200, loan };
    if (loan.status === "funded") {
      throw new HttpError(
        422,
        errorCodes.loanNotWithdrawable,
        `Loan ${loan.id} is funded; refund it instead`,
      );
    }
    clearFundingTimer(loan.id);
    const disbursement = pendingDisbursement(loan);
    if (disbursement) {
      disbursement.status = "failed";
      disbursement.failure_reason = "loan_withdrawn";
    }
    loan.status = "canceled";
    loan.canceled_at = wireTimestamp(new Date());
    return { status: 200, loan, event: newEvent("loan.canceled", loan) };
  }

  function renderRecord(record: IdempotencyRecord): unknown {
    const loan = getLoan(record.loanId);
    if (record.refundId) return (loan.refunds ?? []).find((r) => r.id === record.refundId);
    if (!record.disbursementId) return loan;
    return loan.disbursements.find((d) => d.id === record.disbursementId);
  }

  /** Idempotency-Key handling for a POST: replay, conflict, or run `work` once. */
  async function idempotent(
    req: IncomingMessage,
    endpoint: string,
    body: unknown,
    work: () => Work,
  ): Promise<Answer> {
    const key = req.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
    if (typeof key !== "string" || !key || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
      throw new HttpError(
        400,
        errorCodes.idempotencyKeyRequired,
        `An ${IDEMPOTENCY_KEY_HEADER} header (1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters) is required`,
      );
    }
    const fingerprint = `${endpoint}\n${canonicalJson(body)}`;
    const reused = () =>
      new HttpError(
        409,
        errorCodes.idempotencyKeyReused,
        `${IDEMPOTENCY_KEY_HEADER} ${key} was already used for a different request`,
      );
    const running = inProgress.get(key);
    if (running !== undefined) {
      if (running !== fingerprint) throw reused();
      throw new HttpError(
        409,
        errorCodes.idempotencyKeyInProgress,
        `A request with ${IDEMPOTENCY_KEY_HEADER} ${key} is still in progress; retry later`,
      );
    }
    inProgress.set(key, fingerprint);
    try {
      if (responseDelayMs > 0) await sleep(responseDelayMs, undefined, { signal: lifetime.signal });
      const earlier = idempotency.get(key);
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) throw reused();
        return {
          status: earlier.status,
          body: renderRecord(earlier),
          headers: { [IDEMPOTENT_REPLAYED_HEADER]: "true" },
        };
      }
      const result = work();
      const record: IdempotencyRecord = {
        fingerprint,
        endpoint,
        status: result.status,
        loanId: result.loan.id,
        disbursementId: result.disbursement?.id ?? null,
        refundId: result.refund?.id ?? null,
      };
      idempotency.set(key, record);
      save();
      // The event leaves after its cause is recorded: a replay finds the record, never a second event.
      if (result.event) setImmediate(() => void deliver(result.event!));
      return {
        status: result.status,
        body: result.disbursement ?? result.refund ?? result.loan,
      };
    } finally {
      inProgress.delete(key);
    }
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        throw new HttpError(413, errorCodes.bodyTooLarge, "Request body too large");
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HttpError(400, errorCodes.invalidJson, "The body must be a JSON object");
    }
    if (!json || typeof json !== "object" || Array.isArray(json)) {
      throw new HttpError(400, errorCodes.invalidJson, "The body must be a JSON object");
    }
    return json;
  }

  function authenticated(req: IncomingMessage): boolean {
    const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "");
    if (!match?.[1]) return false;
    return timingSafeEqual(sha256(match[1]), apiKeyDigest);
  }

  async function route(req: IncomingMessage, record: MockLenderRequest): Promise<Answer> {
    const method = req.method ?? "GET";
    const path = record.path;
    if (method === "GET" && path === "/health") return { status: 200, body: { status: "ok" } };
    if (!path.startsWith("/v1/")) {
      throw new HttpError(404, errorCodes.notFound, `No route ${path}`);
    }
    const failure = failures.shift();
    if (failure) {
      throw new HttpError(
        failure.status,
        failure.code,
        `Injected failure (HTTP ${failure.status})`,
      );
    }
    record.authenticated = authenticated(req);
    if (!record.authenticated) {
      throw new HttpError(401, errorCodes.unauthorized, "Missing or invalid API key");
    }

    const refundsMatch = REFUNDS_PATH.exec(path);
    const withdrawMatch = WITHDRAW_PATH.exec(path);
    if (refundsMatch?.[1] || withdrawMatch?.[1]) {
      if (method !== "POST") throw methodNotAllowed(method, path);
      const loanId = decodeURIComponent((refundsMatch ?? withdrawMatch)![1]!);
      const body = await readJson(req);
      record.body = body;
      return refundsMatch
        ? idempotent(req, `POST /v1/loans/${loanId}/refunds`, body, () =>
            createRefund(loanId, body),
          )
        : idempotent(req, `POST /v1/loans/${loanId}/withdraw`, body, () =>
            withdrawLoan(loanId, body),
          );
    }
    if (path === settlementsPath) {
      if (method !== "GET") throw methodNotAllowed(method, path);
      return settlementAnswer(new URL(req.url ?? "/", "http://mock-lender.local"));
    }
    const disbursements = DISBURSEMENTS_PATH.exec(path);
    const loanMatch = LOAN_PATH.exec(path);
    if (path === "/v1/loans") {
      if (method !== "POST") throw methodNotAllowed(method, path);
      const body = await readJson(req);
      record.body = body;
      return idempotent(req, "POST /v1/loans", body, () => createLoan(body));
    }
    if (disbursements?.[1]) {
      if (method !== "POST") throw methodNotAllowed(method, path);
      const loanId = decodeURIComponent(disbursements[1]);
      const body = await readJson(req);
      record.body = body;
      return idempotent(req, `POST /v1/loans/${loanId}/disbursements`, body, () =>
        createDisbursement(loanId, body),
      );
    }
    if (loanMatch?.[1]) {
      if (method !== "GET") throw methodNotAllowed(method, path);
      const loanId = decodeURIComponent(loanMatch[1]);
      if (responseDelayMs > 0) await sleep(responseDelayMs, undefined, { signal: lifetime.signal });
      const loan = loans.get(loanId);
      if (!loan) throw new HttpError(404, errorCodes.notFound, `No loan ${loanId}`);
      return { status: 200, body: loan };
    }
    throw new HttpError(404, errorCodes.notFound, `No route ${path}`);
  }

  /** The daily settlement report (settlement.ts): what completed on that UTC day. */
  function settlementAnswer(url: URL): Answer {
    const date = url.searchParams.get("date") ?? "";
    if (!isSettlementDate(date)) {
      throw new HttpError(422, errorCodes.invalidRequest, "date must be a YYYY-MM-DD date");
    }
    return {
      status: 200,
      body: null,
      text: settlementReportBody(buildSettlementReport(loans.values(), date)),
      headers: { "Content-Type": `${SETTLEMENT_CONTENT_TYPE}; charset=utf-8` },
    };
  }

  function methodNotAllowed(method: string, path: string) {
    return new HttpError(405, errorCodes.methodNotAllowed, `${method} is not allowed on ${path}`);
  }

  function send(res: ServerResponse, answer: Answer) {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(answer.status, {
      "Content-Type": "application/json; charset=utf-8",
      ...answer.headers,
    });
    res.end(answer.text ?? JSON.stringify(answer.body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://mock-lender.local");
    const key = req.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
    const record: MockLenderRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      idempotencyKey: typeof key === "string" ? key : null,
      authenticated: null,
      body: undefined,
      status: 0,
      replayed: false,
      at: new Date(),
    };
    if (url.pathname !== "/health") pushBounded(requests, record);
    let answer: Answer;
    try {
      if (options.store) await loadFromStore(options.store);
      answer = await route(req, record);
    } catch (error) {
      if (error instanceof HttpError) {
        answer = {
          status: error.status,
          body: {
            error: {
              code: error.code,
              message: error.message,
              ...(error.details === undefined ? {} : { details: error.details }),
            },
          },
        };
      } else if (closed) {
        res.destroy();
        return;
      } else {
        answer = {
          status: 500,
          body: { error: { code: errorCodes.internalError, message: "Internal error" } },
        };
        log?.(`internal error: ${(error as Error)?.stack ?? String(error)}`);
      }
    }
    // Written before it is answered: the next request may reach another process.
    if (options.store) {
      // The answer as it is now (a funding timer may change the loan while the write lands).
      answer = { ...answer, body: JSON.parse(JSON.stringify(answer.body)) as unknown };
      save();
      await storeWrites;
    }
    record.status = answer.status;
    record.replayed = answer.headers?.[IDEMPOTENT_REPLAYED_HEADER] === "true";
    if (url.pathname !== "/health") {
      log?.(
        `${record.method} ${record.path} → ${answer.status}${record.replayed ? " (replayed)" : ""}`,
      );
    }
    send(res, answer);
  }

  // ---- server ------------------------------------------------------------------------------

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  if (options.store) await loadFromStore(options.store);
  // After a restart from the state file (or the store): settle what was in flight.
  for (const loan of loans.values()) {
    if (loan.status === "disbursement_pending") scheduleFunding(loan.id);
  }
  deliverWaiting();

  return {
    url,
    requests,
    loans,
    events,
    webhookAttempts,

    failNext(count, status, code) {
      for (let i = 0; i < count; i++) {
        failures.push({ status, code: code ?? errorCodes.injectedFailure });
      }
    },

    async fund(lenderLoanId) {
      const loan = getLoan(lenderLoanId);
      if (loan.status === "funded") {
        const earlier = [...events]
          .reverse()
          .find((e) => e.loanId === loan.id && e.event === "loan.funded");
        if (earlier) {
          earlier.attempts = 0;
          earlier.state = "pending";
          return deliver(earlier);
        }
      }
      if (loan.status === "canceled" || loan.status === "rejected") {
        throw new Error(`mock lender: loan ${loan.id} is ${loan.status} and cannot be funded`);
      }
      return deliver(settle(loan));
    },

    async cancel(lenderLoanId) {
      const loan = getLoan(lenderLoanId);
      if (loan.status === "funded" || loan.status === "canceled") {
        throw new Error(`mock lender: loan ${loan.id} is ${loan.status} and cannot be canceled`);
      }
      clearFundingTimer(loan.id);
      const disbursement = pendingDisbursement(loan);
      if (disbursement) {
        disbursement.status = "failed";
        disbursement.failure_reason = "loan_canceled";
      }
      loan.status = "canceled";
      loan.canceled_at = wireTimestamp(new Date());
      return deliver(newEvent("loan.canceled", loan));
    },

    async failDisbursement(lenderLoanId, reason = "account_closed") {
      const loan = getLoan(lenderLoanId);
      const disbursement = pendingDisbursement(loan);
      if (!disbursement) {
        throw new Error(`mock lender: loan ${loan.id} has no pending disbursement`);
      }
      clearFundingTimer(loan.id);
      disbursement.status = "failed";
      disbursement.failure_reason = reason;
      loan.status = "approved";
      return deliver(
        newEvent("disbursement.failed", loan, {
          disbursement_id: disbursement.id,
          failure_reason: reason,
        }),
      );
    },

    setWebhookUrl(next) {
      webhookUrl = next || null;
      if (webhookUrl) deliverWaiting();
    },

    setResponseDelayMs(ms) {
      responseDelayMs = nonNegative("responseDelayMs", ms);
    },

    setFundingDelayMs(ms) {
      fundingDelayMs = nonNegative("fundingDelayMs", ms);
    },

    async close() {
      if (closed) return;
      closed = true;
      lifetime.abort(new Error("mock lender closed"));
      for (const loanId of [...fundingTimers.keys()]) clearFundingTimer(loanId);
      await Promise.allSettled([...deliveries.values()]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      try {
        save();
      } catch (error) {
        log?.(`could not save ${stateFile}: ${(error as Error).message}`);
      }
    },
  };
}

// ---- the demo's in-process sandbox lender ---------------------------------------------------

const globalForMockLender = globalThis as unknown as {
  __flowpayMockLender?: { started: Promise<MockLender>; credentials: string };
};

/**
 * The sandbox lender of the embedded demo: started once per process (a second call, e.g.
 * after a dev-server module reload, returns the same server and only updates the webhook
 * URL), listening on loopback (port 0 = any free port unless `port` is given). Point the
 * "mock" lender adapter at its `url` with the same apiKey and webhookSecret.
 */
export function startEmbeddedMockLender(options: MockLenderOptions): Promise<MockLender> {
  const credentials = createHash("sha256")
    .update(`${options.apiKey}\n${options.webhookSecret}`)
    .digest("hex");
  const existing = globalForMockLender.__flowpayMockLender;
  if (existing) {
    if (existing.credentials !== credentials) {
      return Promise.reject(
        new Error("The embedded mock lender is already running with other credentials"),
      );
    }
    return existing.started.then((lender) => {
      if (options.webhookUrl !== undefined) lender.setWebhookUrl(options.webhookUrl);
      return lender;
    });
  }
  const started = startMockLender({ host: "127.0.0.1", ...options });
  globalForMockLender.__flowpayMockLender = { started, credentials };
  // A failed start (port taken) may be retried.
  started.catch(() => {
    if (globalForMockLender.__flowpayMockLender?.started === started) {
      delete globalForMockLender.__flowpayMockLender;
    }
  });
  return started;
}

/** Closes the embedded mock lender, if one was started (shutdown, tests). */
export async function stopEmbeddedMockLender(): Promise<void> {
  const existing = globalForMockLender.__flowpayMockLender;
  if (!existing) return;
  delete globalForMockLender.__flowpayMockLender;
  const lender = await existing.started.catch(() => null);
  await lender?.close();
}

// ---- standalone: tsx adapters/lender/mock-lender.ts --port 4010 -----------------------------

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4010" },
      host: { type: "string", default: "127.0.0.1" },
      "api-key": { type: "string" },
      "webhook-secret": { type: "string" },
      "webhook-url": { type: "string" },
      "funding-delay-ms": { type: "string", default: "2000" },
      "response-delay-ms": { type: "string", default: "0" },
      "state-file": { type: "string" },
      quiet: { type: "boolean", default: false },
    },
  });
  const number = (name: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
    return n;
  };
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const apiKey =
    values["api-key"] ?? process.env.MOCK_LENDER_API_KEY ?? MOCK_LENDER_SANDBOX_API_KEY;
  const webhookSecret =
    values["webhook-secret"] ??
    process.env.MOCK_LENDER_WEBHOOK_SECRET ??
    MOCK_LENDER_SANDBOX_WEBHOOK_SECRET;
  const lender = await startMockLender({
    apiKey,
    webhookSecret,
    webhookUrl: values["webhook-url"] ?? null,
    fundingDelayMs: number("funding-delay-ms", values["funding-delay-ms"]),
    responseDelayMs: number("response-delay-ms", values["response-delay-ms"]),
    host: values.host,
    port: number("port", values.port),
    ...(values["state-file"] ? { stateFile: values["state-file"] } : {}),
    ...(values.quiet ? {} : { log: (line: string) => out(`[mock-lender] ${line}`) }),
  });
  out(lender.url);
  if (!values.quiet) {
    const shown = (value: string, sandbox: string, source: string) =>
      value === sandbox ? `${value} (sandbox default)` : `(from ${source})`;
    out(
      `[mock-lender] API key: ${shown(apiKey, MOCK_LENDER_SANDBOX_API_KEY, "--api-key / MOCK_LENDER_API_KEY")}`,
    );
    out(
      `[mock-lender] webhook secret: ${shown(webhookSecret, MOCK_LENDER_SANDBOX_WEBHOOK_SECRET, "--webhook-secret / MOCK_LENDER_WEBHOOK_SECRET")}`,
    );
    out(`[mock-lender] webhooks → ${values["webhook-url"] ?? "(none: pass --webhook-url)"}`);
    out(`[mock-lender] API: docs/sandbox/lender.md`);
  }
  const stop = () => {
    void lender.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (isMain()) {
  main().catch((error: unknown) => {
    process.stderr.write(`mock lender: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  });
}
