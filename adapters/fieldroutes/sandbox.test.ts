import { beforeEach, describe, expect, it } from "vitest";
import { PartnerError } from "~/adapters/shared/errors";
import { noteMarker } from "./internal";
import {
  SANDBOX_OFFICE_NAME,
  clearSandboxCrm,
  createSandboxCrm,
  sandboxCrmState,
  sandboxNoteId,
  seedSandboxAppointments,
} from "./sandbox";
import { type CrmCallLog } from "./types";

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

describe("FieldRoutes sandbox", () => {
  beforeEach(() => clearSandboxCrm());

  it("records notes with their marker, with ids derived from the idempotency key", async () => {
    const logs: CrmCallLog[] = [];
    const crm = createSandboxCrm({ onCall: (log) => void logs.push(log) });
    const date = new Date("2026-11-30T15:00:00Z");
    const first = await crm.addNote({
      customerId: "42",
      text: "Approved",
      date,
      idempotencyKey: "k1",
    });
    expect(crm.name).toBe("sandbox");
    expect(first).toEqual({ noteId: sandboxNoteId("k1") });
    expect(first.noteId).toMatch(/^\d{9}$/);

    // A retry: same id, nothing new recorded.
    expect(
      await crm.addNote({ customerId: "42", text: "Approved", date, idempotencyKey: "k1" }),
    ).toEqual(first);
    const { notes } = sandboxCrmState();
    expect(notes).toEqual([
      {
        noteId: first.noteId,
        subdomain: "sandbox",
        customerId: "42",
        text: `Approved ${noteMarker("k1")}`,
        date,
        idempotencyKey: "k1",
      },
    ]);
    expect(logs.map((log) => [log.operation, log.outcome])).toEqual([
      ["note/create", "ok"],
      ["note/create", "ok"],
    ]);
  });

  it("records appointment updates and answers getAppointments from seeded appointments", async () => {
    seedSandboxAppointments([
      {
        appointmentId: "7",
        customerId: "42",
        status: 0,
        notes: "",
        dateUpdated: "2026-11-01 00:00:00",
      },
    ]);
    const crm = createSandboxCrm();
    await crm.updateAppointmentNotes({ appointmentId: "7", notes: "Financing: approved" });
    await crm.updateAppointmentNotes({ appointmentId: "8", notes: "unknown appointment" });
    const state = sandboxCrmState();
    expect(state.appointmentUpdates.map((u) => [u.appointmentId, u.notes])).toEqual([
      ["7", "Financing: approved"],
      ["8", "unknown appointment"],
    ]);
    const appointments = await crm.getAppointments(["7", "8"]);
    expect(appointments).toHaveLength(1);
    expect(appointments[0]).toMatchObject({ appointmentId: "7", notes: "Financing: approved" });
  });

  it("verifies, except for the magic subdomain `fail` (permanent)", async () => {
    expect(await createSandboxCrm().verify()).toEqual({
      ok: true,
      officeName: SANDBOX_OFFICE_NAME,
    });
    const failing = createSandboxCrm({ credentials: { subdomain: "fail" } });
    expect(await partnerError(failing.verify())).toMatchObject({
      code: "AUTH_REJECTED",
      permanent: true,
    });
    await partnerError(
      failing.addNote({ customerId: "1", text: "x", date: new Date(), idempotencyKey: "k" }),
    );
    expect(sandboxCrmState().notes).toHaveLength(0);
  });

  it("fails every other call transiently for the magic subdomain `flaky`", async () => {
    const crm = createSandboxCrm({ credentials: { subdomain: "flaky" } });
    const input = { customerId: "1", text: "x", date: new Date(), idempotencyKey: "k" };
    expect(await partnerError(crm.addNote(input))).toMatchObject({ status: 503, permanent: false });
    expect(await crm.addNote(input)).toEqual({ noteId: sandboxNoteId("k") });
    expect(await partnerError(crm.verify())).toMatchObject({ permanent: false });
    expect(await crm.verify()).toMatchObject({ ok: true });
  });

  it("refuses ids that are not FieldRoutes ids", async () => {
    const crm = createSandboxCrm();
    expect(await partnerError(crm.getAppointments(["abc"]))).toMatchObject({
      code: "INVALID_ID",
      permanent: true,
    });
  });
});
