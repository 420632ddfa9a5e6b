/**
 * The CRM sandbox: nothing leaves the process. Notes and appointment updates are recorded
 * in memory (read them back with `sandboxCrmState()`), ids are derived from the
 * idempotency key, and two magic subdomains fail on purpose (docs/sandbox/fieldroutes.md):
 *
 * - `fail`: every call, `verify` included, fails permanently (`AUTH_REJECTED`), as bad
 *   credentials do;
 * - `flaky`: every other call of an adapter instance (the 1st, 3rd, …) fails transiently
 *   (HTTP 503), so a retry succeeds.
 *
 * The sandbox reports CrmCallLogs to `onCall` like the live adapter (request marked
 * `sandbox: true`), so the sync log screens work in development.
 */
import { createHash } from "node:crypto";
import { PartnerError } from "~/adapters/shared/errors";
import {
  ID_PATTERN,
  PARTNER,
  abortedError,
  invalidIdError,
  noteMarker,
  report,
  withMarker,
} from "./internal";
import type { CrmAdapter, CrmAppointment, CrmCallListener, FieldRoutesCredentials } from "./types";

export const SANDBOX_MAGIC_SUBDOMAINS = {
  /** Every call fails permanently, code AUTH_REJECTED (bad credentials). */
  fail: "fail",
  /** Every other call fails transiently, HTTP 503 (first call fails, the retry succeeds). */
  flaky: "flaky",
} as const;

export const SANDBOX_OFFICE_NAME = "FlowPay Sandbox Pest Co.";

export type SandboxCrmNote = {
  noteId: string;
  subdomain: string;
  customerId: string;
  /** As it would be stored: the text with its `[fp:…]` marker. */
  text: string;
  date: Date;
  idempotencyKey: string;
};
export type SandboxAppointmentUpdate = {
  subdomain: string;
  appointmentId: string;
  notes: string;
  at: Date;
};
export type SandboxCrmState = {
  notes: SandboxCrmNote[];
  appointmentUpdates: SandboxAppointmentUpdate[];
  appointments: CrmAppointment[];
};

/** Oldest entries are forgotten beyond this, so a long-running dev server stays small. */
const LIMIT = 5_000;

// On globalThis so the state survives the dev server re-evaluating this module.
const STORE_KEY = Symbol.for("flowpay.adapters.fieldroutes.sandbox");
type Store = {
  notes: SandboxCrmNote[];
  updates: SandboxAppointmentUpdate[];
  appointments: Map<string, CrmAppointment>;
};
function store(): Store {
  const holder = globalThis as typeof globalThis & { [STORE_KEY]?: Store };
  holder[STORE_KEY] ??= { notes: [], updates: [], appointments: new Map() };
  return holder[STORE_KEY];
}

/** What the sandbox holds, oldest first. Copies. */
export function sandboxCrmState(): SandboxCrmState {
  const s = store();
  return {
    notes: s.notes.map((note) => ({ ...note })),
    appointmentUpdates: s.updates.map((update) => ({ ...update })),
    appointments: [...s.appointments.values()].map((a) => ({ ...a })),
  };
}

export function clearSandboxCrm(): void {
  const s = store();
  s.notes.length = 0;
  s.updates.length = 0;
  s.appointments.clear();
}

/** Appointments `getAppointments` answers with (unknown ids are left out, as FieldRoutes does — unconfirmed). */
export function seedSandboxAppointments(appointments: CrmAppointment[]): void {
  const s = store();
  for (const appointment of appointments) {
    s.appointments.set(appointment.appointmentId, { ...appointment });
  }
}

/** A 9-digit id from sha256(idempotency key): the same key, the same id. */
export function sandboxNoteId(idempotencyKey: string): string {
  const hex = createHash("sha256").update(idempotencyKey, "utf8").digest("hex");
  return String(100_000_000 + (parseInt(hex.slice(0, 8), 16) % 900_000_000));
}

function requireId(what: string, value: string) {
  if (!ID_PATTERN.test(value)) throw invalidIdError(what, value);
}

function sqlDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

export function createSandboxCrm(
  options: { credentials?: Partial<FieldRoutesCredentials>; onCall?: CrmCallListener } = {},
): CrmAdapter {
  const subdomain = options.credentials?.subdomain ?? "sandbox";
  let calls = 0;

  /** The sandbox's `call`: magic failures, then the work, with a call log either way. */
  async function call<T>(
    operation: string,
    params: Record<string, unknown>,
    signal: AbortSignal | undefined,
    work: () => T,
  ): Promise<T> {
    const started = performance.now();
    const request = { sandbox: true, subdomain, operation, params };
    const done = (outcome: "ok" | "error", response: unknown, error?: PartnerError) =>
      report(options.onCall, {
        operation,
        request,
        response,
        durationMs: Math.round(performance.now() - started),
        outcome,
        ...(error ? { error: `${error.code ?? error.status}: ${error.message}` } : {}),
      });
    try {
      if (signal?.aborted) throw abortedError(operation, signal);
      calls += 1;
      if (subdomain === SANDBOX_MAGIC_SUBDOMAINS.fail) {
        throw new PartnerError(
          `FieldRoutes ${operation} failed: Invalid authentication credentials (sandbox magic subdomain)`,
          { partner: PARTNER, status: 200, code: "AUTH_REJECTED", permanent: true },
        );
      }
      if (subdomain === SANDBOX_MAGIC_SUBDOMAINS.flaky && calls % 2 === 1) {
        throw new PartnerError(
          `FieldRoutes ${operation} failed: HTTP 503 (sandbox magic subdomain)`,
          { partner: PARTNER, status: 503, permanent: false },
        );
      }
      const result = work();
      done("ok", { success: true, result });
      return result;
    } catch (error) {
      if (error instanceof PartnerError) done("error", null, error);
      throw error;
    }
  }

  return {
    name: "sandbox",

    async verify(signal) {
      return call("office/get", {}, signal, () => ({
        ok: true as const,
        officeName: SANDBOX_OFFICE_NAME,
      }));
    },

    async addNote({ customerId, text, date, idempotencyKey }, signal) {
      requireId("customer id", customerId);
      const marker = noteMarker(idempotencyKey);
      const notes = withMarker(text, marker);
      return call(
        "note/create",
        { customerID: customerId, date: sqlDate(date), notes },
        signal,
        () => {
          const s = store();
          const earlier = s.notes.find(
            (note) =>
              note.subdomain === subdomain &&
              note.customerId === customerId &&
              note.text.includes(marker),
          );
          // The live adapter's marker search, done exactly.
          if (earlier) return { noteId: earlier.noteId };
          const note: SandboxCrmNote = {
            noteId: sandboxNoteId(idempotencyKey),
            subdomain,
            customerId,
            text: notes,
            date,
            idempotencyKey,
          };
          s.notes.push(note);
          if (s.notes.length > LIMIT) s.notes.shift();
          return { noteId: note.noteId };
        },
      );
    },

    async updateAppointmentNotes({ appointmentId, notes }, signal) {
      requireId("appointment id", appointmentId);
      await call("appointment/update", { appointmentID: appointmentId, notes }, signal, () => {
        const s = store();
        const at = new Date();
        s.updates.push({ subdomain, appointmentId, notes, at });
        if (s.updates.length > LIMIT) s.updates.shift();
        const appointment = s.appointments.get(appointmentId);
        if (appointment) {
          s.appointments.set(appointmentId, { ...appointment, notes, dateUpdated: sqlDate(at) });
        }
      });
    },

    async getAppointments(ids, signal) {
      for (const id of ids) requireId("appointment id", id);
      return call("appointment/get", { appointmentIDs: ids }, signal, () => {
        const s = store();
        return [...new Set(ids)]
          .map((id) => s.appointments.get(id))
          .filter((a): a is CrmAppointment => a !== undefined)
          .map((a) => ({ ...a }));
      });
    },
  };
}
