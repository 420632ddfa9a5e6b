/**
 * A local stand-in for one FieldRoutes office (tests only): listens on 127.0.0.1 (port 0),
 * answers `POST /api/{entity}/{action}` in FieldRoutes' shape
 * (`{ success, result, errorMessage }`), checks the key and token, records every request,
 * and can be told to fail the next N requests.
 *
 * - Credentials are read from the `authenticationKey` / `authenticationToken` headers or,
 *   failing that, from the form parameters of the same names (FieldRoutes documents both
 *   — *unconfirmed*); `requests[i].credentialsIn` says where they were found.
 * - Wrong or missing credentials → **HTTP 200 with `success: false`** and
 *   `errorMessage: "Invalid authentication credentials"`. Chosen because it is what the
 *   adapter must survive (a failure inside a 200); whether FieldRoutes answers that or a
 *   401 is *unconfirmed* — the adapter reads both as a permanent `AUTH_REJECTED`.
 * - The subdomain cannot be checked (the adapter's `baseUrlOverride` replaces the host);
 *   it is kept for the office name and the docs.
 * - Routes: office/search, office/get, note/create, note/search, note/get,
 *   appointment/get, appointment/update, customer/search. Anything else →
 *   `success: false` "Unknown endpoint" (HTTP 200); a method other than POST → 405.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";
import { AUTH_HEADER_KEY, AUTH_HEADER_TOKEN, decodeParams } from "./internal";

export type FakeFieldRoutesOptions = {
  subdomain: string;
  authenticationKey: string;
  authenticationToken: string;
  /** The office the credentials belong to. Default "1". */
  officeId?: string;
  officeName?: string;
  /**
   * A global (all-offices) key: these offices besides `officeId`. FieldRoutes' API docs
   * ("Global keys and office scope"): a single-office key has an implied `officeIDs` filter on
   * reads and `officeID` on writes; a global key may send any `officeIDs` filter and any
   * `officeID` — without them it reads and writes its default office (`officeId` here), which
   * is how a connection to another office ends up with empty reads and duplicate notes.
   */
  globalOffices?: string[];
};

export type FakeRequest = {
  method: string;
  path: string;
  /** "note/create", … (null when the path is not /api/{entity}/{action}). */
  operation: string | null;
  /** The key and token as received (tests assert on them; never log them). */
  authenticationKey: string | undefined;
  authenticationToken: string | undefined;
  credentialsIn: "headers" | "body" | "none";
  contentType: string | undefined;
  params: Record<string, unknown>;
  /** What the fake did: "ok", "auth", "rejected", or the failNext kind. */
  outcome: string;
};

export type FakeNote = {
  noteID: string;
  customerID: string;
  officeID: string;
  date: string;
  contactType: string;
  notes: string;
  showOnInvoice: string;
};

export type FakeAppointment = {
  appointmentID: string;
  customerID: string;
  officeID?: string;
  date?: string;
  /** 0 pending, 1 completed, 2 no-show. */
  status: number;
  notes: string;
  officeNotes?: string;
  dateUpdated: string;
};

export type FailKind =
  /** HTTP 500 with a JSON error body. */
  | "http500"
  /** HTTP 200, `success: false`, with `errorMessage` (default "Simulated failure"). */
  | "successFalse"
  /** Never answers (the client's timeout decides). Nothing is done. */
  | "timeout"
  /** Does the work (e.g. creates the note), then never answers: the ambiguous failure. */
  | "timeoutAfterCommit";

export type FailOptions = {
  /** For "successFalse" (default "Simulated failure"). */
  errorMessage?: string;
  /** Only requests to this `{entity}/{action}`. */
  operation?: string;
};

export type FakeFieldRoutes = {
  url: string;
  requests: FakeRequest[];
  /** Notes created, oldest first. */
  notes: FakeNote[];
  /** Appointments by id (seed with setAppointments; appointment/update changes them). */
  appointments: Map<string, FakeAppointment>;
  /**
   * The next `count` requests (or, with `operation`, the next `count` requests to that
   * operation, e.g. "note/create") fail as `kind`. Checked after the credentials.
   */
  failNext(count: number, kind: FailKind, options?: FailOptions): void;
  setAppointments(
    appointments: (Omit<FakeAppointment, "dateUpdated" | "notes"> &
      Partial<Pick<FakeAppointment, "dateUpdated" | "notes">>)[],
  ): void;
  close(): Promise<void>;
};

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  // Compare HMACs, so neither the length nor the content leaks through timing.
  const a = createHmac("sha256", "fake-fieldroutes").update(given).digest();
  const b = createHmac("sha256", "fake-fieldroutes").update(expected).digest();
  return timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

const ok = (result: unknown) => ({ success: true, result, errorMessage: "" });
const rejected = (errorMessage: string) => ({ success: false, result: null, errorMessage });

function now(): string {
  return new Date().toISOString().slice(0, 19).replace("T", " ");
}

function idList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [];
  return list.map((id) => String(id).trim()).filter(Boolean);
}

export async function startFakeFieldRoutes(
  options: FakeFieldRoutesOptions,
): Promise<FakeFieldRoutes> {
  const officeId = options.officeId ?? "1";
  const officeName = options.officeName ?? `${options.subdomain} (fake office)`;
  const requests: FakeRequest[] = [];
  const notes: FakeNote[] = [];
  const appointments = new Map<string, FakeAppointment>();
  const failures: (FailOptions & { kind: FailKind })[] = [];
  let nextNoteId = 5001;
  const allOffices = [officeId, ...(options.globalOffices ?? [])];
  /** The offices a read covers: a global key's `officeIDs` filter, else the key's own office. */
  const readScope = (params: Record<string, unknown>): string[] => {
    if (!options.globalOffices || params.officeIDs === undefined) return [officeId];
    return idList(params.officeIDs).filter((id) => allOffices.includes(id));
  };
  /** The office a write goes to: a global key's `officeID`, else the key's own office. */
  const writeOffice = (params: Record<string, unknown>): string =>
    options.globalOffices && params.officeID !== undefined ? String(params.officeID) : officeId;

  /** The office's answer to one authenticated call: [success body] or an error message. */
  function handle(operation: string, params: Record<string, unknown>): unknown {
    switch (operation) {
      case "office/search":
        return ok(allOffices);
      case "office/get": {
        const ids = idList(params.officeIDs);
        return ok(
          allOffices
            .filter((id) => ids.includes(id))
            .map((id) => ({
              officeID: id,
              officeName: id === officeId ? officeName : `Office ${id}`,
            })),
        );
      }
      case "customer/search":
        return ok([]);
      case "note/create": {
        const required = ["customerID", "date", "contactType", "notes", "showOnInvoice"];
        const missing = required.filter(
          (name) => params[name] === undefined || params[name] === "",
        );
        if (missing.length > 0) return rejected(`Missing required field(s): ${missing.join(", ")}`);
        const note: FakeNote = {
          noteID: String(nextNoteId++),
          customerID: String(params.customerID),
          officeID: writeOffice(params),
          date: String(params.date),
          contactType: String(params.contactType),
          notes: String(params.notes),
          showOnInvoice: String(params.showOnInvoice),
        };
        notes.push(note);
        return ok(note.noteID);
      }
      case "note/search": {
        const customers = idList(params.customerIDs);
        const scope = readScope(params);
        return ok(
          notes
            .filter((note) => scope.includes(note.officeID))
            .filter((note) => customers.length === 0 || customers.includes(note.customerID))
            .map((note) => note.noteID),
        );
      }
      case "note/get": {
        const ids = idList(params.noteIDs);
        if (ids.length > 1000) return rejected("Too many IDs requested: max 1000");
        const scope = readScope(params);
        return ok(
          notes.filter((note) => ids.includes(note.noteID) && scope.includes(note.officeID)),
        );
      }
      case "appointment/get": {
        const ids = idList(params.appointmentIDs);
        if (ids.length > 1000) return rejected("Too many IDs requested: max 1000");
        const scope = readScope(params);
        return ok(
          ids
            .map((id) => appointments.get(id))
            .filter((a): a is FakeAppointment => a !== undefined)
            .filter((a) => scope.includes(a.officeID ?? officeId))
            .map((a) => ({ ...a, status: String(a.status) })),
        );
      }
      case "appointment/update": {
        const id = params.appointmentID === undefined ? "" : String(params.appointmentID);
        if (!id) return rejected("Missing required field(s): appointmentID");
        const appointment = appointments.get(id);
        if (!appointment || (appointment.officeID ?? officeId) !== writeOffice(params)) {
          return rejected(`Appointment ${id} not found`);
        }
        if (typeof params.notes === "string") appointment.notes = params.notes;
        appointment.dateUpdated = now();
        return ok(id);
      }
      default:
        return rejected(`Unknown endpoint: ${operation}`);
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? "").split("?")[0] ?? "";
      const match = /^\/api\/([A-Za-z]+)\/([A-Za-z]+)$/.exec(path);
      const operation = match ? `${match[1]}/${match[2]}` : null;
      const params = decodeParams(new URLSearchParams(raw));
      const header = (name: string) => {
        const value = req.headers[name.toLowerCase()];
        return Array.isArray(value) ? value[0] : value;
      };
      let credentialsIn: FakeRequest["credentialsIn"] = "none";
      let key = header(AUTH_HEADER_KEY);
      let token = header(AUTH_HEADER_TOKEN);
      if (key !== undefined || token !== undefined) credentialsIn = "headers";
      else if (params.authenticationKey !== undefined || params.authenticationToken !== undefined) {
        credentialsIn = "body";
        key = String(params.authenticationKey);
        token = String(params.authenticationToken);
      }
      delete params.authenticationKey;
      delete params.authenticationToken;
      const record: FakeRequest = {
        method: req.method ?? "",
        path,
        operation,
        authenticationKey: key,
        authenticationToken: token,
        credentialsIn,
        contentType: header("content-type"),
        params,
        outcome: "ok",
      };
      requests.push(record);

      if (req.method !== "POST") {
        record.outcome = "rejected";
        return send(res, 405, rejected("Method not allowed: every call is a POST"));
      }
      // Both compared every time: no early exit on a wrong key.
      const keyOk = sameSecret(key, options.authenticationKey);
      const tokenOk = sameSecret(token, options.authenticationToken);
      if (!keyOk || !tokenOk) {
        record.outcome = "auth";
        return send(res, 200, rejected("Invalid authentication credentials"));
      }
      if (!operation) {
        record.outcome = "rejected";
        return send(res, 404, rejected("Not found"));
      }

      const index = failures.findIndex((f) => !f.operation || f.operation === operation);
      const failure = index === -1 ? undefined : failures.splice(index, 1)[0];
      if (failure) record.outcome = failure.kind;
      if (failure?.kind === "timeout") return; // never answer; close() ends the socket
      if (failure?.kind === "http500") {
        return send(res, 500, rejected("Internal Server Error (simulated)"));
      }
      if (failure?.kind === "successFalse") {
        return send(res, 200, rejected(failure.errorMessage ?? "Simulated failure"));
      }
      const answer = handle(operation, params);
      if (failure?.kind === "timeoutAfterCommit") return; // done, but the answer is lost
      if ((answer as { success: boolean }).success === false) record.outcome = "rejected";
      return send(res, 200, answer);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, rejected("fake server error"));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    notes,
    appointments,
    failNext(count, kind, failOptions = {}) {
      for (let i = 0; i < count; i++) failures.push({ ...failOptions, kind });
    },
    setAppointments(list) {
      for (const appointment of list) {
        appointments.set(appointment.appointmentID, {
          officeID: officeId,
          ...appointment,
          notes: appointment.notes ?? "",
          dateUpdated: appointment.dateUpdated ?? now(),
        });
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
