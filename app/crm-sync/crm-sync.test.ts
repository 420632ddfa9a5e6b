/**
 * CRM write-back against a local fake FieldRoutes office (the live adapter, its breaker and call
 * log are exercised): connecting with a test call, notes and appointment lines written once,
 * success:false and timeouts classified for the job runner, the breaker opening and closing,
 * rejected credentials, polling repairs, and the sandbox for unconnected merchants. Tiny breaker
 * thresholds and timeouts (set below) keep it quick; nothing asserts on timing.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startFakeFieldRoutes } from "~/adapters/fieldroutes/fake-server";

const credentials = {
  subdomain: "acme",
  authenticationKey: "fr-key-abcdef012345",
  authenticationToken: "fr-token-abcdef012345",
};
const fr = await startFakeFieldRoutes({ ...credentials, officeId: "7", officeName: "Acme Austin" });
process.env.FIELDROUTES_BASE_URL = fr.url;
process.env.FIELDROUTES_TIMEOUT_MS = "300";
process.env.FIELDROUTES_BREAKER_FAILURES = "3";
process.env.FIELDROUTES_HALF_OPEN_MS = "300";

const { appDatabase, createMerchant } = await import("~/scripts/testing/app-harness");
const { openApplication } = await import("~/app/lending/test-helpers");
const { connectFieldRoutes, disconnectCrm, circuitStateOf, verifyCrmConnection } =
  await import("./connections.server");
const { syncApplicationToCrm } = await import("./sync.server");
const { pollCrm } = await import("./poll.server");
const { createAppJobRegistry } = await import("~/jobs/handlers/index");
const { testRunner, manualClock, waitFor, jobRow } = await import("~/jobs/testing/helpers");
const { clearSandboxCrm, sandboxCrmState } = await import("~/adapters/fieldroutes/index");

import { and, eq, ne, sql } from "drizzle-orm";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { crmConnections, crmSyncLogs, outbox } from "~/db/schema/index";

const database = await appDatabase();
const system = { actorType: "system" as const, actorId: "test" };
const merchant = await createMerchant({ name: "Acme Pest Control" });

afterAll(() => fr.close());

/** Jobs other tests left pending must not run in this test's runner. */
beforeEach(async () => {
  await database.write((tx) => tx.delete(outbox).where(eq(outbox.state, "pending")));
});

async function logsOf(applicationId: string) {
  return database.db
    .select()
    .from(crmSyncLogs)
    .where(eq(crmSyncLogs.applicationId, applicationId))
    .orderBy(crmSyncLogs.createdAt);
}

const notesFor = (customerId: string) => fr.notes.filter((n) => n.customerID === customerId);

let n = 0;
/** An application of `merchant` on its own FieldRoutes customer and appointment. */
async function application(options: { notes?: string; withAppointment?: boolean } = {}) {
  n += 1;
  const customerId = String(3000 + n);
  const appointmentId = String(4000 + n);
  if (options.withAppointment !== false) {
    fr.setAppointments([
      {
        appointmentID: appointmentId,
        customerID: customerId,
        status: 0,
        notes: options.notes ?? "",
      },
    ]);
  }
  const opened = await openApplication(merchant.key, {
    crmCustomerId: customerId,
    crmJobId: appointmentId,
  });
  return { ...opened, customerId, appointmentId };
}

let connectionId = "";

describe("connecting FieldRoutes", () => {
  it("refuses credentials the office rejects and stores nothing", async () => {
    const result = await connectFieldRoutes(
      database,
      { merchantId: merchant.id, ...credentials, authenticationToken: "wrong-token-000" },
      system,
    );
    expect(result).toMatchObject({ ok: false, code: "AUTH_REJECTED" });
    const rows = await database.db
      .select()
      .from(crmConnections)
      .where(eq(crmConnections.merchantId, merchant.id));
    expect(rows).toHaveLength(0);
  });

  it("verifies with a test call, then stores the key and token encrypted", async () => {
    const result = await connectFieldRoutes(
      database,
      { merchantId: merchant.id, ...credentials, officeId: "7" },
      system,
    );
    expect(result).toMatchObject({ ok: true, officeName: "Acme Austin" });
    connectionId = (result as { connectionId: string }).connectionId;
    const row = await database.db
      .select()
      .from(crmConnections)
      .where(eq(crmConnections.id, connectionId))
      .get();
    expect(row).toMatchObject({
      status: "connected",
      subdomain: "acme",
      officeId: "7",
      authKind: "api_key",
    });
    expect(row!.credentialsEnc).toMatch(/^v1\./);
    expect(row!.credentialsEnc).not.toContain(credentials.authenticationKey);
    expect(fr.requests.at(-1)).toMatchObject({ operation: "office/get", credentialsIn: "headers" });
    expect(await verifyCrmConnection(database, connectionId, system)).toMatchObject({ ok: true });
  });
});

describe("writing status changes", () => {
  it("writes one note and appends one appointment line, keeping the technician's notes", async () => {
    const app = await application({ notes: "Dog in yard" });
    const first = await syncApplicationToCrm(database, {
      applicationId: app.applicationId,
      event: "link_sent",
    });
    expect(first).toMatchObject({ kind: "written", appointment: "appended", sandbox: false });
    // The job runs again (at least once): nothing is written twice.
    const second = await syncApplicationToCrm(database, {
      applicationId: app.applicationId,
      event: "link_sent",
    });
    expect(second).toMatchObject({ kind: "written", appointment: "already" });
    expect(notesFor(app.customerId)).toHaveLength(1);
    expect(notesFor(app.customerId)[0]).toMatchObject({ officeID: "7", showOnInvoice: "0" });
    const notes = fr.appointments.get(app.appointmentId)!.notes.split("\n");
    expect(notes[0]).toBe("Dog in yard");
    expect(notes).toHaveLength(2);
    expect(notes[1]).toMatch(
      /^FlowPay financing: LINK SENT \$7,500\.00 \(\d{4}-\d{2}-\d{2}\) \[fp:[0-9a-f]{8}\]$/,
    );

    const logs = await logsOf(app.applicationId);
    expect(logs.map((l) => l.operation)).toEqual(
      expect.arrayContaining([
        "note/search",
        "note/create",
        "appointment/get",
        "appointment/update",
      ]),
    );
    expect(logs.every((l) => l.outcome === "ok" && l.merchantId === merchant.id)).toBe(true);
    expect(logs.every((l) => typeof l.durationMs === "number")).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(credentials.authenticationKey);
  });

  it("success:false with a validation message fails permanently: dead letter, logged", async () => {
    const app = await application();
    fr.failNext(1, "successFalse", {
      errorMessage: "Invalid customerID",
      operation: "note/create",
    });
    const runner = testRunner(database, createAppJobRegistry()).start();
    const job = await database.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(eq(outbox.key, `sync-to-crm:${app.applicationId}:link_sent`))
      .get();
    await waitFor(async () => (await jobRow(database, job!.id))?.state === "dead");
    await runner.stop({ graceMs: 1000 });
    expect((await jobRow(database, job!.id))?.lastError).toMatch(/Invalid customerID/);
    const failed = (await logsOf(app.applicationId)).find((l) => l.operation === "note/create");
    expect(failed).toMatchObject({ outcome: "error" });
    expect(failed!.error).toMatch(/^REJECTED: /);
    expect(failed!.response).toMatchObject({ success: false, errorMessage: "Invalid customerID" });
  });

  it("success:false saying 'try again' and a timeout are transient: retried by the outbox, one note", async () => {
    const app = await application();
    fr.failNext(1, "successFalse", {
      errorMessage: "Service temporarily unavailable, try again",
      operation: "note/create",
    });
    fr.failNext(1, "timeoutAfterCommit", { operation: "note/create" });
    const clock = manualClock();
    const runner = testRunner(database, createAppJobRegistry(), {
      clock: clock.now,
      random: () => 0.5,
    }).start();
    const job = await database.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(eq(outbox.key, `sync-to-crm:${app.applicationId}:link_sent`))
      .get();
    for (const [attempt, error] of [
      [1, /PARTNER_BUSY|temporarily unavailable/],
      [2, /did not answer note\/create within 300 ms/],
    ] as const) {
      await waitFor(async () => {
        const row = await jobRow(database, job!.id);
        return row?.state === "pending" && row.attempts === attempt;
      });
      const row = (await jobRow(database, job!.id))!;
      expect(row.lastError).toMatch(error);
      clock.advance(row.runAt - row.updatedAt);
    }
    await waitFor(async () => (await jobRow(database, job!.id))?.state === "completed");
    await runner.stop({ graceMs: 1000 });
    // The note created by the attempt whose answer was lost is found by its marker, not repeated.
    expect(notesFor(app.customerId)).toHaveLength(1);
    const errors = (await logsOf(app.applicationId)).filter((l) => l.outcome === "error");
    expect(errors.map((l) => l.error!.split(":")[0])).toEqual(["PARTNER_BUSY", "TIMEOUT"]);
  });

  it("opens the breaker after repeated failures and closes it after a successful trial", async () => {
    const app = await application();
    const sync = () =>
      syncApplicationToCrm(database, { applicationId: app.applicationId, event: "approved" });
    fr.failNext(3, "http500");
    for (let i = 0; i < 3; i++) {
      expect(circuitStateOf(connectionId)).toBe("closed");
      await expect(sync()).rejects.toMatchObject({ permanent: false, status: 500 });
    }
    expect(circuitStateOf(connectionId)).toBe("open");

    const reached = fr.requests.length;
    await expect(sync()).rejects.toMatchObject({ permanent: false, code: "CIRCUIT_OPEN" });
    expect(fr.requests.length).toBe(reached);
    const refused = (await logsOf(app.applicationId)).at(-1)!;
    expect(refused).toMatchObject({ outcome: "error", response: null });
    expect(refused.error).toMatch(/^CIRCUIT_OPEN/);

    await sleep(350); // past FIELDROUTES_HALF_OPEN_MS: the next call is the trial
    expect(await sync()).toMatchObject({ kind: "written", appointment: "appended" });
    expect(circuitStateOf(connectionId)).toBe("closed");
    expect(notesFor(app.customerId)).toHaveLength(1);
  });

  it("rejected credentials mark the connection; syncs stop until an operator reconnects", async () => {
    const app = await application();
    fr.failNext(1, "successFalse", { errorMessage: "Invalid authentication credentials" });
    await expect(
      syncApplicationToCrm(database, { applicationId: app.applicationId, event: "declined" }),
    ).rejects.toMatchObject({ permanent: true, code: "AUTH_REJECTED" });
    const row = await database.db
      .select()
      .from(crmConnections)
      .where(eq(crmConnections.id, connectionId))
      .get();
    expect(row?.status).toBe("error");
    await expect(
      syncApplicationToCrm(database, { applicationId: app.applicationId, event: "declined" }),
    ).rejects.toMatchObject({ permanent: true, message: expect.stringMatching(/reconnected/) });

    const again = await connectFieldRoutes(
      database,
      { merchantId: merchant.id, ...credentials, officeId: "7" },
      system,
    );
    expect(again).toMatchObject({ ok: true, connectionId });
    expect(
      await syncApplicationToCrm(database, { applicationId: app.applicationId, event: "declined" }),
    ).toMatchObject({ kind: "written" });
  });

  it("logs a write it cannot attempt (not a FieldRoutes id) instead of failing the job", async () => {
    // Intake now refuses such ids for a connected merchant (app/crm/crm-ids.server.ts, ADR 080);
    // an application from before that still has them.
    const opened = await openApplication(merchant.key, {
      crmCustomerId: "48213",
      crmJobId: "90517",
    });
    await database.write(async (tx) => {
      await tx.run(sql`UPDATE customers SET crm_customer_id = 'FR12345'
        WHERE id = (SELECT customer_id FROM applications WHERE id = ${opened.applicationId})`);
      await tx.run(sql`UPDATE service_jobs SET crm_job_id = 'JOB-9876'
        WHERE id = (SELECT service_job_id FROM applications WHERE id = ${opened.applicationId})`);
    });
    expect(
      await syncApplicationToCrm(database, {
        applicationId: opened.applicationId,
        event: "link_sent",
      }),
    ).toMatchObject({ kind: "written", noteId: null, appointment: "not_linked" });
    const [log] = await logsOf(opened.applicationId);
    expect(log).toMatchObject({ operation: "note/create", outcome: "error" });
    expect(log!.error).toMatch(/^NOT_ATTEMPTED/);
  });
});

describe("polling FieldRoutes", () => {
  it("repairs a status line a technician's edit removed, without a second note", async () => {
    const app = await application({ notes: "Side gate" });
    await syncApplicationToCrm(database, { applicationId: app.applicationId, event: "link_sent" });
    fr.appointments.get(app.appointmentId)!.notes = "Side gate — customer prefers mornings";

    const summary = await pollCrm(database);
    expect(summary.repaired).toBeGreaterThanOrEqual(1);
    const repair = await database.db
      .select()
      .from(outbox)
      .where(
        and(
          eq(outbox.key, `sync-to-crm:${app.applicationId}:link_sent`),
          eq(outbox.state, "pending"),
        ),
      )
      .get();
    expect(repair).toBeDefined();

    const runner = testRunner(database, createAppJobRegistry()).start();
    await waitFor(async () => (await jobRow(database, repair!.id))?.state === "completed");
    await runner.stop({ graceMs: 1000 });
    expect(fr.appointments.get(app.appointmentId)!.notes).toMatch(
      /^Side gate — customer prefers mornings\nFlowPay financing: LINK SENT/,
    );
    expect(notesFor(app.customerId)).toHaveLength(1);
    // Nothing left to repair.
    await database.write((tx) => tx.delete(outbox).where(ne(outbox.state, "running")));
    await pollCrm(database);
    const again = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.key, `sync-to-crm:${app.applicationId}:link_sent`))
      .get();
    expect(again).toBeUndefined();
  });
});

describe("without a connection", () => {
  it("writes to the sandbox CRM outside production, and disconnecting erases the credentials", async () => {
    expect(
      await disconnectCrm(database, { merchantId: merchant.id, crm: "fieldroutes" }, system),
    ).toBe(true);
    const row = await database.db
      .select()
      .from(crmConnections)
      .where(eq(crmConnections.id, connectionId))
      .get();
    expect(row).toMatchObject({ status: "disconnected", credentialsEnc: null });
    clearSandboxCrm();
    const app = await application({ withAppointment: false });
    expect(
      await syncApplicationToCrm(database, { applicationId: app.applicationId, event: "funded" }),
    ).toMatchObject({ kind: "written", sandbox: true, appointment: "not_found" });
    const state = sandboxCrmState();
    expect(state.notes).toHaveLength(1);
    expect(state.notes[0]).toMatchObject({ customerId: app.customerId });
    expect(state.notes[0]!.text).toContain("FlowPay: financing FUNDED");
  });
});
