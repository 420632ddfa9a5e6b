/**
 * The sync-to-crm job: writes one status change of an application into the merchant's CRM.
 *
 * FieldRoutes (docs/sandbox/fieldroutes.md): a note on the customer (note/create, the customer
 * being `customers.crm_customer_id`) and a line appended to the job's appointment
 * (`service_jobs.crm_job_id`, when it is a FieldRoutes appointmentID): appointment/update
 * replaces the notes, so the appointment is read first and what technicians wrote is kept.
 * Both writes carry the marker of `${applicationId}:${event}`: a retry, a second job for the
 * same change, or the poller's repair never writes a second note or line.
 *
 * Failures are the adapter's PartnerErrors: transient ones are retried by the outbox (backoff),
 * permanent ones go to the dead letters; rejected credentials also mark the connection.
 */
import { and, eq, sql } from "drizzle-orm";
import { fieldRoutesIdPattern } from "~/adapters/fieldroutes/ids";
import type { Database } from "~/db/client";
import {
  applications,
  customers,
  loans,
  merchants,
  offers,
  refunds,
  serviceJobs,
} from "~/db/schema/index";
import { noteMarker } from "~/adapters/fieldroutes/index";
import { isPartnerError } from "~/adapters/shared/errors";
import { logCrmCall, withCrmCallLog } from "./call-log.server";
import { crmTargetFor, markConnectionError } from "./connections.server";
import { serialized } from "./keyed-lock";
import {
  appendLine,
  appointmentLine,
  noteText,
  syncKey,
  type CrmSyncEvent,
  type SyncFacts,
} from "./events";

/** FieldRoutes ids are integers (adapters/fieldroutes refuses anything else). */
const fieldRoutesId = fieldRoutesIdPattern;

export type SyncOutcome =
  | { kind: "skipped"; reason: string }
  | {
      kind: "written";
      sandbox: boolean;
      noteId: string | null;
      appointment: AppointmentOutcome;
    };

type AppointmentOutcome = "appended" | "already" | "not_found" | "not_linked";

/**
 * The application with its customer, job and merchant, built once per database: drizzle building
 * this four-table select was ≈7 % of the server thread's time under intake load, where every
 * offer is followed by its write-back job (ADR 048).
 */
const applicationRows = new WeakMap<Database["db"], ReturnType<typeof prepareApplicationRow>>();

function prepareApplicationRow(db: Database["db"]) {
  return db
    .select()
    .from(applications)
    .innerJoin(customers, eq(customers.id, applications.customerId))
    .innerJoin(serviceJobs, eq(serviceJobs.id, applications.serviceJobId))
    .innerJoin(merchants, eq(merchants.id, applications.merchantId))
    .where(eq(applications.id, sql.placeholder("applicationId")))
    .prepare();
}

async function loadFacts(database: Database, applicationId: string) {
  let applicationRow = applicationRows.get(database.db);
  if (!applicationRow) {
    applicationRow = prepareApplicationRow(database.db);
    applicationRows.set(database.db, applicationRow);
  }
  const row = await applicationRow.get({ applicationId });
  if (!row) return null;
  const app = row.applications;
  const [offer, loan] = await Promise.all([
    app.selectedOfferId
      ? database.db.select().from(offers).where(eq(offers.id, app.selectedOfferId)).get()
      : undefined,
    database.db.select().from(loans).where(eq(loans.applicationId, applicationId)).get(),
  ]);
  // What the lender confirmed refunding (ADR 053), for the refund notes.
  const refunded = loan
    ? await database.db
        .select({ cents: sql<number>`coalesce(sum(${refunds.amountCents}), 0)` })
        .from(refunds)
        .where(and(eq(refunds.loanId, loan.id), eq(refunds.status, "completed")))
        .get()
    : null;
  const facts: SyncFacts = {
    applicationId,
    merchantName: row.merchants.name,
    amountCents: app.amountCents,
    offer: offer
      ? {
          termMonths: offer.termMonths,
          apr: offer.apr,
          monthlyPaymentCents: offer.monthlyPaymentCents,
        }
      : null,
    loan: loan
      ? {
          merchantFeeCents: loan.merchantFeeCents,
          disbursementCents: loan.disbursementCents,
          fundedAmountCents: loan.fundedAmountCents,
          fundedAt: loan.fundedAt,
        }
      : null,
    refundedCents: Number(refunded?.cents ?? 0),
  };
  return {
    facts,
    merchantId: app.merchantId,
    crm: app.crm,
    crmCustomerId: row.customers.crmCustomerId,
    crmJobId: row.service_jobs.crmJobId,
  };
}

/** A write we did not attempt, logged like a call so support sees why nothing arrived. */
function logNotAttempted(operation: string, reason: string) {
  logCrmCall(
    {
      operation,
      request: { skipped: true, reason },
      response: null,
      durationMs: 0,
      outcome: "error",
      error: `NOT_ATTEMPTED: ${reason}`,
    },
    null,
  );
}

export async function syncApplicationToCrm(
  database: Database,
  input: { applicationId: string; event: CrmSyncEvent },
  options: { signal?: AbortSignal; now?: Date } = {},
): Promise<SyncOutcome> {
  const loaded = await loadFacts(database, input.applicationId);
  if (!loaded) return { kind: "skipped", reason: "no such application" };
  const target = await crmTargetFor(database, loaded.merchantId, loaded.crm);
  if (!target) return { kind: "skipped", reason: `no CRM write-back for ${loaded.crm}` };
  const { adapter } = target;
  const key = syncKey(input.applicationId, input.event);
  const now = options.now ?? new Date();
  const signal = options.signal;

  return withCrmCallLog(
    {
      database,
      merchantId: loaded.merchantId,
      applicationId: input.applicationId,
      crm: loaded.crm,
    },
    async () => {
      try {
        let noteId: string | null = null;
        if (fieldRoutesId.test(loaded.crmCustomerId)) {
          const note = await adapter.addNote(
            {
              customerId: loaded.crmCustomerId,
              text: noteText(input.event, loaded.facts),
              date: now,
              idempotencyKey: key,
            },
            signal,
          );
          noteId = note.noteId;
        } else {
          logNotAttempted("note/create", "the CRM customer id is not a FieldRoutes customerID");
        }

        let appointment: AppointmentOutcome = "not_linked";
        if (fieldRoutesId.test(loaded.crmJobId)) {
          // Read, append, write: one at a time per appointment in this process (no lost line).
          appointment = await serialized(
            `fieldroutes:${loaded.merchantId}:${loaded.crmJobId}`,
            async () => {
              const [found] = await adapter.getAppointments([loaded.crmJobId], signal);
              const marker = noteMarker(key);
              if (!found) return "not_found";
              if (found.notes.includes(marker)) return "already";
              const line = `${appointmentLine(input.event, loaded.facts, now)} ${marker}`;
              await adapter.updateAppointmentNotes(
                { appointmentId: found.appointmentId, notes: appendLine(found.notes, line) },
                signal,
              );
              return "appended";
            },
          );
        }
        return { kind: "written", sandbox: target.sandbox, noteId, appointment };
      } catch (error) {
        if (
          target.connectionId &&
          isPartnerError(error) &&
          error.permanent &&
          error.code === "AUTH_REJECTED"
        ) {
          await markConnectionError(database, target.connectionId, error.message);
        }
        throw error;
      }
    },
  );
}
