import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { startFakeFieldRoutes, type FakeFieldRoutes } from "./fake-server";
import { classifySuccessFalse, formatFieldRoutesDate, noteMarker, redact } from "./internal";
import { createFieldRoutesCrm, type FieldRoutesCrmConfig } from "./live";
import { type CrmCallLog } from "./types";

const SUBDOMAIN = "acmepest";
const KEY = "fr-key-9f8e7d6c5b4a";
const TOKEN = "fr-token-0a1b2c3d4e5f";

/** The PartnerError a promise rejects with (fails the test if it resolves or throws something else). */
async function partnerError(promise: Promise<unknown>): Promise<PartnerError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerError);
  return error as PartnerError;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("live FieldRoutes adapter against the fake office", () => {
  let fake: FakeFieldRoutes;
  let logs: CrmCallLog[];
  const live = (overrides: Partial<FieldRoutesCrmConfig> = {}) =>
    createFieldRoutesCrm({
      credentials: { subdomain: SUBDOMAIN, authenticationKey: KEY, authenticationToken: TOKEN },
      baseUrlOverride: fake.url,
      onCall: (log) => {
        logs.push(log);
      },
      ...overrides,
    });

  beforeEach(async () => {
    logs = [];
    fake = await startFakeFieldRoutes({
      subdomain: SUBDOMAIN,
      authenticationKey: KEY,
      authenticationToken: TOKEN,
      officeName: "Acme Pest Control",
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("creates a note with the credentials in headers and the required fields", async () => {
    const crm = live({ noteDedupe: "off" });
    const result = await crm.addNote({
      customerId: "1234",
      text: "FlowPay: financing approved, $7,500 over 24 months.",
      date: new Date("2026-11-30T15:04:05Z"),
      idempotencyKey: "crm-sync:app_1:approved",
    });

    expect(crm.name).toBe("fieldroutes");
    expect(fake.notes).toHaveLength(1);
    expect(result).toEqual({ noteId: fake.notes[0]!.noteID });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request).toMatchObject({
      method: "POST",
      path: "/api/note/create",
      credentialsIn: "headers",
      authenticationKey: KEY,
      authenticationToken: TOKEN,
    });
    expect(request.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    const marker = noteMarker("crm-sync:app_1:approved");
    expect(marker).toMatch(/^\[fp:[0-9a-f]{8}\]$/);
    expect(request.params).toEqual({
      customerID: "1234",
      date: "2026-11-30 15:04:05",
      contactType: "0",
      notes: `FlowPay: financing approved, $7,500 over 24 months. ${marker}`,
      showOnInvoice: "0",
    });
  });

  it("adds officeID on writes when the credentials name an office (global keys)", async () => {
    const crm = live({
      credentials: {
        subdomain: SUBDOMAIN,
        authenticationKey: KEY,
        authenticationToken: TOKEN,
        officeId: "7",
      },
      noteDedupe: "off",
      timeZone: "America/Chicago",
      noteContactType: 3,
    });
    fake.setAppointments([{ appointmentID: "88", customerID: "1234", status: 0 }]);
    await crm.addNote({
      customerId: "1234",
      text: "Funded",
      date: new Date("2026-11-30T15:04:05Z"),
      idempotencyKey: "k1",
    });
    await crm.updateAppointmentNotes({ appointmentId: "88", notes: "Financing: funded" });
    expect(fake.requests[0]!.params).toMatchObject({
      officeID: "7",
      contactType: "3",
      date: "2026-11-30 09:04:05",
    });
    expect(fake.requests[1]!.params).toEqual({
      appointmentID: "88",
      notes: "Financing: funded",
      officeID: "7",
    });
  });

  it("updates an appointment's notes and reads appointments back", async () => {
    fake.setAppointments([
      { appointmentID: "501", customerID: "1234", status: 0, notes: "Back gate code 1234" },
      { appointmentID: "502", customerID: "1235", status: 1 },
    ]);
    const crm = live();
    await crm.updateAppointmentNotes({
      appointmentId: "501",
      notes: "Back gate code 1234\nFlowPay: financing approved",
    });
    expect(fake.requests[0]).toMatchObject({
      path: "/api/appointment/update",
      authenticationKey: KEY,
      authenticationToken: TOKEN,
      params: { appointmentID: "501", notes: "Back gate code 1234\nFlowPay: financing approved" },
    });
    expect(fake.appointments.get("501")!.notes).toBe(
      "Back gate code 1234\nFlowPay: financing approved",
    );

    const appointments = await crm.getAppointments(["501", "502", "999", "501"]);
    expect(fake.requests[1]!.params).toEqual({ appointmentIDs: ["501", "502", "999"] });
    expect(appointments).toEqual([
      {
        appointmentId: "501",
        customerId: "1234",
        status: 0,
        notes: "Back gate code 1234\nFlowPay: financing approved",
        dateUpdated: fake.appointments.get("501")!.dateUpdated,
      },
      {
        appointmentId: "502",
        customerId: "1235",
        status: 1,
        notes: "",
        dateUpdated: fake.appointments.get("502")!.dateUpdated,
      },
    ]);
  });

  it("reads more than 1,000 appointments in chunks of 1,000, and none without a call", async () => {
    const crm = live();
    expect(await crm.getAppointments([])).toEqual([]);
    expect(fake.requests).toHaveLength(0);
    const ids = Array.from({ length: 1001 }, (_, i) => String(i + 1));
    await crm.getAppointments(ids);
    expect(fake.requests.map((r) => (r.params.appointmentIDs as unknown[]).length)).toEqual([
      1000, 1,
    ]);
  });

  it("refuses ids that are not FieldRoutes ids before calling", async () => {
    const crm = live();
    const error = await partnerError(
      crm.updateAppointmentNotes({ appointmentId: "88&x=1", notes: "x" }),
    );
    expect(error).toMatchObject({ code: "INVALID_ID", permanent: true });
    expect(fake.requests).toHaveLength(0);
  });

  it("verifies credentials with an office read and returns the office name", async () => {
    expect(await live().verify()).toEqual({ ok: true, officeName: "Acme Pest Control" });
    expect(fake.requests.map((r) => r.operation)).toEqual(["office/search", "office/get"]);

    const withOffice = live({
      credentials: {
        subdomain: SUBDOMAIN,
        authenticationKey: KEY,
        authenticationToken: TOKEN,
        officeId: "1",
      },
    });
    expect(await withOffice.verify()).toEqual({ ok: true, officeName: "Acme Pest Control" });
    expect(fake.requests.at(-1)!.params).toEqual({ officeIDs: ["1"] });

    const otherOffice = live({
      credentials: {
        subdomain: SUBDOMAIN,
        authenticationKey: KEY,
        authenticationToken: TOKEN,
        officeId: "2",
      },
    });
    expect(await partnerError(otherOffice.verify())).toMatchObject({
      code: "OFFICE_NOT_FOUND",
      permanent: true,
    });
  });

  it("with a global key, reads and writes the connection's office, not the key's default one", async () => {
    // FieldRoutes API docs, "Global keys and office scope": without officeIDs a global key
    // reads its default office ("1" here); the merchant's office is "2".
    await fake.close();
    fake = await startFakeFieldRoutes({
      subdomain: SUBDOMAIN,
      authenticationKey: KEY,
      authenticationToken: TOKEN,
      officeId: "1",
      globalOffices: ["2"],
    });
    fake.setAppointments([
      { appointmentID: "900", customerID: "1234", officeID: "2", status: 0, notes: "Gate code 42" },
    ]);
    const crm = live({
      credentials: {
        subdomain: SUBDOMAIN,
        authenticationKey: KEY,
        authenticationToken: TOKEN,
        officeId: "2",
      },
    });
    const appointments = await crm.getAppointments(["900"]);
    expect(appointments.map((a) => a.notes)).toEqual(["Gate code 42"]);

    const note = {
      customerId: "1234",
      text: "FlowPay: financing approved.",
      date: new Date("2026-11-30T15:04:05Z"),
      idempotencyKey: "crm-sync:app_9:approved",
    };
    const first = await crm.addNote(note);
    const retried = await crm.addNote(note); // a retried job finds the note: no duplicate
    expect(retried).toEqual(first);
    expect(fake.notes.map((n) => n.officeID)).toEqual(["2"]);
    for (const request of fake.requests.filter((r) => /\/(search|get)$/.test(r.operation ?? ""))) {
      expect(request.params.officeIDs).toEqual(["2"]);
    }
  });

  it("reads wrong credentials (success:false in an HTTP 200) as a permanent AUTH_REJECTED", async () => {
    const crm = live({
      credentials: { subdomain: SUBDOMAIN, authenticationKey: KEY, authenticationToken: "wrong" },
    });
    const error = await partnerError(crm.verify());
    expect(error).toMatchObject({
      partner: "fieldroutes",
      status: 200,
      code: "AUTH_REJECTED",
      permanent: true,
    });
    expect(fake.requests[0]!.outcome).toBe("auth");
  });

  it("reads success:false as a failure: permanent, unless it speaks of rate limits or timeouts", async () => {
    const crm = live({ noteDedupe: "off" });
    const input = { customerId: "1", text: "t", date: new Date(), idempotencyKey: "k" };

    fake.failNext(1, "successFalse", { errorMessage: "Customer 1 does not exist" });
    expect(await partnerError(crm.addNote(input))).toMatchObject({
      code: "REJECTED",
      permanent: true,
      status: 200,
    });
    expect(fake.notes).toHaveLength(0);

    fake.failNext(1, "successFalse", { errorMessage: "API rate limit exceeded, try later" });
    expect(await partnerError(crm.addNote(input))).toMatchObject({
      code: "RATE_LIMITED",
      permanent: false,
    });

    fake.failNext(1, "successFalse", { errorMessage: "Request timed out" });
    expect(await partnerError(crm.addNote(input))).toMatchObject({
      code: "PARTNER_BUSY",
      permanent: false,
    });

    // The fake's own validation, not a simulated failure.
    fake.setAppointments([]);
    expect(
      await partnerError(crm.updateAppointmentNotes({ appointmentId: "404", notes: "x" })),
    ).toMatchObject({ code: "REJECTED", permanent: true });
  });

  it("maps HTTP 500 and a timeout to transient errors", async () => {
    const crm = live({ timeoutMs: 200 });
    fake.failNext(1, "http500");
    expect(await partnerError(crm.getAppointments(["1"]))).toMatchObject({
      status: 500,
      permanent: false,
    });
    fake.failNext(1, "timeout");
    expect(await partnerError(crm.getAppointments(["1"]))).toMatchObject({
      code: "TIMEOUT",
      permanent: false,
    });
    // Still usable afterwards.
    expect(await crm.getAppointments(["1"])).toEqual([]);
  });

  it("maps a caller's abort to a transient ABORTED", async () => {
    const crm = live();
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    expect(await partnerError(crm.getAppointments(["1"], controller.signal))).toMatchObject({
      code: "ABORTED",
      permanent: false,
    });
    expect(fake.requests).toHaveLength(0);
  });

  it("maps an unreachable office to a transient NETWORK error", async () => {
    const url = fake.url;
    await fake.close();
    const crm = createFieldRoutesCrm({
      credentials: { subdomain: SUBDOMAIN, authenticationKey: KEY, authenticationToken: TOKEN },
      baseUrlOverride: url,
    });
    expect(await partnerError(crm.getAppointments(["1"]))).toMatchObject({
      code: "NETWORK",
      permanent: false,
    });
    fake = await startFakeFieldRoutes({
      subdomain: SUBDOMAIN,
      authenticationKey: KEY,
      authenticationToken: TOKEN,
    });
  });

  it("does not create a second note when the first attempt's answer was lost", async () => {
    const crm = live({ timeoutMs: 200 });
    const input = {
      customerId: "1234",
      text: "FlowPay: loan funded",
      date: new Date("2026-11-30T15:00:00Z"),
      idempotencyKey: "crm-sync:app_9:funded",
    };
    // An unrelated note of the same customer.
    await crm.addNote({ ...input, text: "other", idempotencyKey: "other" });
    expect(fake.notes).toHaveLength(1);

    // note/search and note/get go through; note/create creates the note, then never answers.
    fake.failNext(1, "timeoutAfterCommit", { operation: "note/create" });
    const error = await partnerError(crm.addNote(input));
    expect(error).toMatchObject({ code: "TIMEOUT", permanent: false });
    expect(fake.notes).toHaveLength(2);
    expect(fake.requests.slice(-3).map((r) => r.operation)).toEqual([
      "note/search",
      "note/get",
      "note/create",
    ]);

    const retry = await crm.addNote(input);
    expect(retry).toEqual({ noteId: fake.notes[1]!.noteID });
    expect(fake.notes).toHaveLength(2);
    expect(fake.requests.slice(-2).map((r) => r.operation)).toEqual(["note/search", "note/get"]);
  });

  it("reports every call to onCall, redacted: never the key or the token", async () => {
    fake.setAppointments([{ appointmentID: "501", customerID: "1234", status: 0 }]);
    const crm = live({ timeoutMs: 200 });
    await crm.verify();
    await crm.addNote({ customerId: "1234", text: "hi", date: new Date(), idempotencyKey: "a" });
    await crm.updateAppointmentNotes({ appointmentId: "501", notes: "n" });
    await crm.getAppointments(["501"]);
    fake.failNext(1, "successFalse", {
      errorMessage: `Invalid authenticationKey ${KEY} for token ${TOKEN}`,
    });
    const echoed = await partnerError(crm.getAppointments(["501"]));
    expect(echoed.message).not.toContain(KEY);
    expect(echoed.message).toContain("[REDACTED]");
    fake.failNext(1, "http500");
    await partnerError(crm.getAppointments(["501"]));
    fake.failNext(1, "timeout");
    await partnerError(crm.getAppointments(["501"]));
    const wrong = createFieldRoutesCrm({
      credentials: {
        subdomain: SUBDOMAIN,
        authenticationKey: KEY,
        authenticationToken: "nope-1234",
      },
      baseUrlOverride: fake.url,
      onCall: (log) => {
        logs.push(log);
      },
    });
    await partnerError(wrong.verify());

    expect(logs.map((log) => [log.operation, log.outcome])).toEqual([
      ["office/search", "ok"],
      ["office/get", "ok"],
      ["note/search", "ok"],
      ["note/create", "ok"],
      ["appointment/update", "ok"],
      ["appointment/get", "ok"],
      ["appointment/get", "error"],
      ["appointment/get", "error"],
      ["appointment/get", "error"],
      ["office/search", "error"],
    ]);
    const text = JSON.stringify(logs);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("nope-1234");
    expect(text).toContain("[REDACTED]"); // the echoed key in the error message
    for (const log of logs) {
      expect(log.durationMs).toBeGreaterThanOrEqual(0);
      expect(log.request).toMatchObject({ method: "POST" });
    }
    expect(logs[3]).toMatchObject({
      request: { url: `${fake.url}/api/note/create`, params: { customerID: "1234" } },
      response: { success: true, result: fake.notes[0]!.noteID },
    });
    expect(logs[6]!.error).toMatch(/^AUTH_REJECTED: /);
    expect(logs[8]!.error).toMatch(/^TIMEOUT: /);
  });

  it("opens the circuit after N consecutive transient failures, then closes it after a successful trial", async () => {
    const crm = live({ breaker: { consecutiveFailures: 3, halfOpenAfterMs: 25 } });
    expect(crm.circuitState).toBe("closed");

    // Permanent answers do not count.
    fake.failNext(3, "successFalse", { errorMessage: "Customer not found" });
    for (let i = 0; i < 3; i++) await partnerError(crm.getAppointments(["1"]));
    expect(crm.circuitState).toBe("closed");

    fake.failNext(3, "http500");
    for (let i = 0; i < 3; i++) {
      expect(await partnerError(crm.getAppointments(["1"]))).toMatchObject({ status: 500 });
    }
    expect(crm.circuitState).toBe("open");
    const reached = fake.requests.length;

    const fast = await partnerError(crm.getAppointments(["1"]));
    expect(fast).toMatchObject({ code: "CIRCUIT_OPEN", permanent: false, partner: "fieldroutes" });
    await partnerError(
      crm.addNote({ customerId: "1", text: "t", date: new Date(), idempotencyKey: "k" }),
    );
    expect(fake.requests).toHaveLength(reached); // nothing reached the fake
    expect(logs.at(-1)).toMatchObject({ outcome: "error", response: null });
    expect(logs.at(-1)!.error).toMatch(/^CIRCUIT_OPEN: /);

    // After halfOpenAfter, one trial call goes through; its success closes the circuit.
    await sleep(80);
    expect(await crm.getAppointments(["1"])).toEqual([]);
    expect(fake.requests).toHaveLength(reached + 1);
    expect(crm.circuitState).toBe("closed");
    expect(await crm.getAppointments(["1"])).toEqual([]);
    expect(fake.requests).toHaveLength(reached + 2);
  });

  it("re-opens the circuit when the trial call fails", async () => {
    const crm = live({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 25 } });
    fake.failNext(3, "http500");
    await partnerError(crm.getAppointments(["1"]));
    await partnerError(crm.getAppointments(["1"]));
    expect(crm.circuitState).toBe("open");
    await sleep(80);
    expect(await partnerError(crm.getAppointments(["1"]))).toMatchObject({ status: 500 });
    expect(crm.circuitState).toBe("open");
    expect(await partnerError(crm.getAppointments(["1"]))).toMatchObject({ code: "CIRCUIT_OPEN" });
  });

  it("refuses malformed credentials without saying what they were", () => {
    let caught: unknown;
    try {
      createFieldRoutesCrm({
        credentials: {
          subdomain: "evil.example.com/x",
          authenticationKey: KEY,
          authenticationToken: TOKEN,
        },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PartnerError);
    expect(caught).toMatchObject({ code: "INVALID_CREDENTIALS", permanent: true });
    expect((caught as Error).message).toContain("subdomain");
    expect((caught as Error).message).not.toContain("evil");
  });
});

describe("FieldRoutes wire helpers", () => {
  it("classifies success:false messages", () => {
    expect(classifySuccessFalse("Rate limit exceeded")).toEqual({
      permanent: false,
      code: "RATE_LIMITED",
    });
    expect(classifySuccessFalse("Daily API quota reached")).toMatchObject({ permanent: false });
    expect(classifySuccessFalse("Too many requests")).toMatchObject({ permanent: false });
    expect(classifySuccessFalse("The request timed out")).toEqual({
      permanent: false,
      code: "PARTNER_BUSY",
    });
    expect(classifySuccessFalse("Service temporarily unavailable")).toMatchObject({
      permanent: false,
    });
    expect(classifySuccessFalse("Invalid authentication credentials")).toEqual({
      permanent: true,
      code: "AUTH_REJECTED",
    });
    expect(classifySuccessFalse("customerID is required")).toEqual({
      permanent: true,
      code: "REJECTED",
    });
  });

  it("formats dates as YYYY-MM-DD HH:MM:SS in the given zone", () => {
    const date = new Date("2026-01-02T03:04:05Z");
    expect(formatFieldRoutesDate(date)).toBe("2026-01-02 03:04:05");
    expect(formatFieldRoutesDate(date, "America/New_York")).toBe("2026-01-01 22:04:05");
  });

  it("redacts credential-named fields and secret values anywhere", () => {
    expect(
      redact({ authenticationKey: "abcd1234", nested: ["x abcd1234 y"], ["k-abcd1234"]: 1 }, [
        "abcd1234",
      ]),
    ).toEqual({
      authenticationKey: "[REDACTED]",
      nested: ["x [REDACTED] y"],
      "k-[REDACTED]": 1,
    });
  });
});
