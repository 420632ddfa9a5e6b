/**
 * The live CRM adapter: FieldRoutes' REST API.
 *
 * - Every call is a POST to `https://{subdomain}.fieldroutes.com/api/{entity}/{action}`
 *   (or `baseUrlOverride` in tests), made by one function, `call`, which adds the
 *   credentials (headers — see internal.ts), times the call, reads `success: false` in an
 *   HTTP 200 as a failure, maps every failure to a PartnerError and reports a redacted
 *   CrmCallLog to `onCall`.
 * - **One attempt per call**: the job runner owns retries (PartnerError.permanent tells it
 *   whether to). Each call has a timeout (default 15 s) and honours the caller's signal.
 * - **Circuit breaker per adapter instance** (cockatiel): after `consecutiveFailures`
 *   transient failures in a row (default 5) calls fail fast with a transient
 *   PartnerError `CIRCUIT_OPEN`, without reaching FieldRoutes, until `halfOpenAfterMs`
 *   (default 30 s) has passed; then one trial call goes through, and its success closes
 *   the circuit. Permanent answers (bad credentials, validation) and caller aborts do not
 *   count: they say nothing about FieldRoutes being up. Keep one instance per office for
 *   the breaker to mean anything.
 * - **Notes are at least once, narrowed**: FieldRoutes has no idempotency key, so each
 *   note carries a marker derived from the idempotency key (`[fp:1a2b3c4d]`) and, with
 *   `noteDedupe: "search"` (the default), `addNote` first looks for a recent note of that
 *   customer with the marker (note/search + note/get) and returns it instead of creating
 *   a second one. Docs: docs/sandbox/fieldroutes.md.
 */
import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
} from "cockatiel";
import { z } from "zod";
import { PartnerError, isPermanentHttpStatus } from "~/adapters/shared/errors";
import {
  ID_PATTERN,
  MAX_GET_IDS,
  PARTNER,
  SUBDOMAIN_PATTERN,
  abortedError,
  authHeaders,
  classifySuccessFalse,
  encodeParams,
  forLog,
  formatFieldRoutesDate,
  invalidIdError,
  noteMarker,
  redact,
  report,
  withMarker,
} from "./internal";
import {
  type CrmAdapter,
  type CrmAppointment,
  type CrmCallListener,
  type FieldRoutesCredentials,
} from "./types";

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_BREAKER_CONSECUTIVE_FAILURES = 5;
export const DEFAULT_HALF_OPEN_AFTER_MS = 30_000;
/** How many of a customer's newest notes `addNote` reads to find an earlier attempt. */
export const NOTE_DEDUPE_WINDOW = 50;

export type FieldRoutesCrmConfig = {
  credentials: FieldRoutesCredentials;
  /** Receives one redacted log per call (the app writes crm_sync_logs from it). Not awaited; its failures are ignored. */
  onCall?: CrmCallListener;
  /** Tests and local fakes only: e.g. `http://127.0.0.1:4567` instead of `https://{subdomain}.fieldroutes.com`. */
  baseUrlOverride?: string;
  /** Per call, the response body included. Default 15 s. */
  timeoutMs?: number;
  breaker?: { consecutiveFailures?: number; halfOpenAfterMs?: number };
  /** note/create's required `contactType`. *Unconfirmed* which values an office accepts; default "0". */
  noteContactType?: string | number;
  /** Zone the note's `date` is written in (FieldRoutes shows office-local times). Default "UTC". */
  timeZone?: string;
  /** "search" (default): look for an earlier attempt before note/create. "off": at-least-once. */
  noteDedupe?: "search" | "off";
  fetch?: typeof fetch;
};

export type CircuitStateName = "closed" | "open" | "half-open" | "isolated";

export type FieldRoutesCrm = CrmAdapter & {
  readonly name: "fieldroutes";
  /** The breaker's state, for dashboards and tests. */
  readonly circuitState: CircuitStateName;
};

const credentialsSchema = z.object({
  subdomain: z.string().regex(SUBDOMAIN_PATTERN),
  authenticationKey: z.string().min(1),
  authenticationToken: z.string().min(1),
  officeId: z.string().regex(ID_PATTERN).optional(),
});

/** Numbers and numeric strings alike (FieldRoutes sends most numbers as strings — unconfirmed). */
const idLike = z.union([z.string(), z.number()]).transform(String);
const wireAppointment = z.object({
  appointmentID: idLike,
  customerID: idLike,
  status: z.union([z.number(), z.string()]).transform(Number),
  notes: z.string().nullish(),
  dateUpdated: z.string().nullish(),
});
const wireNote = z.object({ noteID: idLike, notes: z.string().nullish() });
const wireOffice = z.object({ officeID: idLike, officeName: z.string().nullish() });

type WireBody = Record<string, unknown>;

/** Thrown PartnerErrors → the partner's answer, for the call log. */
const answers = new WeakMap<object, unknown>();

/**
 * FieldRoutes puts results in `result` (docs/product/partners.md); some endpoints are said to answer
 * with a named key instead (`appointments`, `noteIDs`, `noteID`) — *unconfirmed*, so both
 * are read.
 */
function resultList(body: WireBody, namedKey: string): unknown[] {
  if (Array.isArray(body.result)) return body.result as unknown[];
  const named = body[namedKey];
  return Array.isArray(named) ? (named as unknown[]) : [];
}

function invalidResponse(operation: string, detail: string, body?: unknown): PartnerError {
  const error = new PartnerError(`FieldRoutes ${operation}: unexpected answer (${detail})`, {
    partner: PARTNER,
    code: "INVALID_RESPONSE",
    permanent: false,
  });
  if (body !== undefined) answers.set(error, body);
  return error;
}

function parseList<T>(
  operation: string,
  items: unknown[],
  schema: z.ZodType<T>,
  what: string,
): T[] {
  return items.map((item, index) => {
    const parsed = schema.safeParse(item);
    if (!parsed.success) throw invalidResponse(operation, `${what} #${index} is malformed`);
    return parsed.data;
  });
}

function requireId(what: string, value: string): string {
  if (!ID_PATTERN.test(value)) throw invalidIdError(what, value);
  return value;
}

function stateName(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Closed:
      return "closed";
    case CircuitState.Open:
      return "open";
    case CircuitState.HalfOpen:
      return "half-open";
    default:
      return "isolated";
  }
}

export function createFieldRoutesCrm(config: FieldRoutesCrmConfig): FieldRoutesCrm {
  const checked = credentialsSchema.safeParse(config.credentials);
  if (!checked.success) {
    // Which field, never its value.
    const fields = [...new Set(checked.error.issues.map((issue) => issue.path.join(".")))];
    throw new PartnerError(`FieldRoutes credentials are malformed: ${fields.join(", ")}`, {
      partner: PARTNER,
      code: "INVALID_CREDENTIALS",
      permanent: true,
    });
  }
  const credentials = checked.data;
  const secrets = [credentials.authenticationKey, credentials.authenticationToken];
  const baseUrl = (
    config.baseUrlOverride ?? `https://${credentials.subdomain.toLowerCase()}.fieldroutes.com`
  ).replace(/\/+$/, "");
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = config.fetch ?? fetch;
  const contactType = config.noteContactType ?? "0";
  const timeZone = config.timeZone ?? "UTC";
  formatFieldRoutesDate(new Date(0), timeZone); // an unknown zone throws RangeError here, not on the first note
  const noteDedupe = config.noteDedupe ?? "search";
  // FieldRoutes API docs, "Global keys and office scope": a single-office key has an implied
  // officeIDs filter on reads and officeID on writes; a global key without them reads and
  // writes its default office. So with an office configured, every read sends officeIDs and
  // every write officeID (docs/partners/fieldroutes.md).
  const officeWrite = credentials.officeId ? { officeID: credentials.officeId } : {};
  const officeRead = credentials.officeId ? { officeIDs: [credentials.officeId] } : {};

  const breaker = circuitBreaker(
    handleWhen(
      (error) => error instanceof PartnerError && error.transient && error.code !== "ABORTED",
    ),
    {
      halfOpenAfter: config.breaker?.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS,
      breaker: new ConsecutiveBreaker(
        config.breaker?.consecutiveFailures ?? DEFAULT_BREAKER_CONSECUTIVE_FAILURES,
      ),
    },
  );

  /** The HTTP exchange itself: one POST, its answer read and judged. Throws PartnerError. */
  async function exchange(
    operation: string,
    url: string,
    params: Record<string, unknown>,
    callerSignal: AbortSignal | undefined,
  ): Promise<WireBody> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers: {
          ...authHeaders(credentials),
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body: encodeParams(params).toString(),
        signal,
        // A redirect is never followed: the credentials are custom headers, which fetch
        // would forward to wherever the redirect points.
        redirect: "manual",
      });
      text = await response.text();
    } catch (error) {
      if (callerSignal?.aborted) throw abortedError(operation, callerSignal);
      if (timeout.aborted) {
        throw new PartnerError(`FieldRoutes did not answer ${operation} within ${timeoutMs} ms`, {
          partner: PARTNER,
          code: "TIMEOUT",
          permanent: false,
        });
      }
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const detail = typeof cause?.code === "string" ? cause.code : (error as Error).message;
      throw new PartnerError(`FieldRoutes ${operation}: network error (${detail})`, {
        partner: PARTNER,
        code: "NETWORK",
        permanent: false,
      });
    }

    let body: unknown;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    // Scrubbed: FieldRoutes might echo the key back, and PartnerError messages are logged.
    const errorMessage =
      body && typeof body === "object" && typeof (body as WireBody).errorMessage === "string"
        ? (redact((body as WireBody).errorMessage, secrets) as string)
        : undefined;
    const answer = body ?? (text ? text.slice(0, 500) : null);

    if (response.status >= 300 && response.status < 400) {
      const error = new PartnerError(
        `FieldRoutes ${operation}: redirected (HTTP ${response.status}) — wrong subdomain?`,
        { partner: PARTNER, status: response.status, code: "UNEXPECTED_REDIRECT", permanent: true },
      );
      answers.set(error, { location: response.headers.get("location") });
      throw error;
    }
    if (response.status >= 400) {
      const code =
        response.status === 401 || response.status === 403
          ? "AUTH_REJECTED"
          : response.status === 429
            ? "RATE_LIMITED"
            : undefined;
      const error = new PartnerError(
        `FieldRoutes ${operation} failed: HTTP ${response.status}${errorMessage ? `: ${errorMessage}` : ""}`,
        {
          partner: PARTNER,
          status: response.status,
          ...(code ? { code } : {}),
          permanent: isPermanentHttpStatus(response.status),
        },
      );
      answers.set(error, answer);
      throw error;
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      throw invalidResponse(operation, "not a JSON object", answer);
    }
    const wire = body as WireBody;
    if (wire.success === false) {
      const message = errorMessage ?? "no errorMessage";
      const reading = classifySuccessFalse(message);
      const error = new PartnerError(`FieldRoutes ${operation} failed: ${message}`, {
        partner: PARTNER,
        status: response.status,
        code: reading.code,
        permanent: reading.permanent,
      });
      answers.set(error, wire);
      throw error;
    }
    if (wire.success !== true) throw invalidResponse(operation, "no `success` flag", wire);
    return wire;
  }

  /** Every FieldRoutes call goes through here: breaker, timeout, error mapping, call log. */
  async function call<T = WireBody>(
    operation: string,
    params: Record<string, unknown>,
    signal: AbortSignal | undefined,
    read: (body: WireBody) => T = (body) => body as T,
  ): Promise<T> {
    const url = `${baseUrl}/api/${operation}`;
    const request = { method: "POST", url, params };
    const started = performance.now();
    const log = (outcome: "ok" | "error", response: unknown, error?: unknown) =>
      report(config.onCall, {
        operation,
        request: forLog(redact(request, secrets)),
        response: forLog(redact(response ?? null, secrets)),
        durationMs: Math.round(performance.now() - started),
        outcome,
        ...(error === undefined ? {} : { error: describe(error) }),
      });

    try {
      if (signal?.aborted) throw abortedError(operation, signal);
      let answer: WireBody | undefined;
      const result = await breaker.execute(async () => {
        answer = await exchange(operation, url, params, signal);
        try {
          return read(answer);
        } catch (error) {
          if (error instanceof PartnerError && !answers.has(error)) answers.set(error, answer);
          throw error;
        }
      });
      log("ok", answer);
      return result;
    } catch (thrown) {
      const error = isBrokenCircuitError(thrown)
        ? new PartnerError(
            `FieldRoutes ${operation} not attempted: circuit open after repeated failures`,
            { partner: PARTNER, code: "CIRCUIT_OPEN", permanent: false },
          )
        : thrown;
      log("error", typeof error === "object" && error ? answers.get(error) : undefined, error);
      throw error;
    }
  }

  function describe(error: unknown): string {
    const text =
      error instanceof PartnerError
        ? `${error.code ?? error.status ?? "ERROR"}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    return redact(text, secrets) as string;
  }

  async function findNoteByMarker(
    customerId: string,
    marker: string,
    signal: AbortSignal | undefined,
  ): Promise<string | null> {
    const ids = await call(
      "note/search",
      { customerIDs: [customerId], ...officeRead },
      signal,
      (body) =>
        resultList(body, "noteIDs")
          .map(String)
          .filter((id) => ID_PATTERN.test(id))
          .sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0))
          .slice(0, NOTE_DEDUPE_WINDOW),
    );
    if (ids.length === 0) return null;
    const notes = await call("note/get", { noteIDs: ids, ...officeRead }, signal, (body) =>
      parseList("note/get", resultList(body, "notes"), wireNote, "note"),
    );
    return notes.find((note) => note.notes?.includes(marker))?.noteID ?? null;
  }

  return {
    name: "fieldroutes",

    get circuitState() {
      return stateName(breaker.state);
    },

    async verify(signal) {
      let officeId = credentials.officeId;
      if (!officeId) {
        officeId = await call(
          "office/search",
          {},
          signal,
          (body) => resultList(body, "officeIDs").map(String)[0],
        );
        if (!officeId) return { ok: true };
      }
      const offices = await call("office/get", { officeIDs: [officeId] }, signal, (body) =>
        parseList("office/get", resultList(body, "offices"), wireOffice, "office"),
      );
      const office = offices.find((o) => o.officeID === officeId);
      if (!office) {
        throw new PartnerError(
          `FieldRoutes office ${officeId} is not reachable with these credentials`,
          {
            partner: PARTNER,
            code: "OFFICE_NOT_FOUND",
            permanent: true,
          },
        );
      }
      return office.officeName ? { ok: true, officeName: office.officeName } : { ok: true };
    },

    async addNote({ customerId, text, date, idempotencyKey }, signal) {
      requireId("customer id", customerId);
      if (!idempotencyKey) throw new TypeError("addNote needs an idempotencyKey");
      const marker = noteMarker(idempotencyKey);
      if (noteDedupe === "search") {
        const earlier = await findNoteByMarker(customerId, marker, signal);
        if (earlier) return { noteId: earlier };
      }
      return call(
        "note/create",
        {
          customerID: customerId,
          date: formatFieldRoutesDate(date, timeZone),
          contactType,
          notes: withMarker(text, marker),
          showOnInvoice: 0,
          ...officeWrite,
        },
        signal,
        (body) => {
          const id = body.result ?? body.noteID;
          if ((typeof id !== "string" && typeof id !== "number") || !ID_PATTERN.test(String(id))) {
            // The note was (probably) created: a retry finds it by its marker.
            throw invalidResponse("note/create", "no note id");
          }
          return { noteId: String(id) };
        },
      );
    },

    async updateAppointmentNotes({ appointmentId, notes }, signal) {
      requireId("appointment id", appointmentId);
      await call(
        "appointment/update",
        { appointmentID: appointmentId, notes, ...officeWrite },
        signal,
      );
    },

    async getAppointments(ids, signal) {
      const unique = [...new Set(ids)];
      for (const id of unique) requireId("appointment id", id);
      const out: CrmAppointment[] = [];
      for (let i = 0; i < unique.length; i += MAX_GET_IDS) {
        const chunk = unique.slice(i, i + MAX_GET_IDS);
        const records = await call(
          "appointment/get",
          { appointmentIDs: chunk, ...officeRead },
          signal,
          (body) =>
            parseList(
              "appointment/get",
              resultList(body, "appointments"),
              wireAppointment,
              "appointment",
            ),
        );
        for (const record of records) {
          out.push({
            appointmentId: record.appointmentID,
            customerId: record.customerID,
            status: Number.isFinite(record.status) ? record.status : -1,
            notes: record.notes ?? "",
            dateUpdated: record.dateUpdated ?? "",
          });
        }
      }
      return out;
    },
  };
}
